//! Keeps the docs search index filled: renders every entity's docs shortly after startup
//! (once the catalog has been read) and then every `interval`.

use std::sync::Arc;
use std::time::Duration;

use super::DocsService;

/// Starts the periodic indexer; `interval` zero renders once at startup only.
pub fn spawn(service: Arc<DocsService>, first_delay: Duration, interval: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(first_delay).await;
        loop {
            let started = std::time::Instant::now();
            let (entities, pages, errors) = service.index_all().await;
            tracing::info!(
                entities,
                pages,
                errors = errors.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "docs indexed for search"
            );
            for error in errors.iter().take(20) {
                tracing::warn!(error = %error, "docs page not indexed");
            }
            if interval.is_zero() {
                return;
            }
            tokio::time::sleep(interval).await;
        }
    });
}
