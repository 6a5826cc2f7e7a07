//! Plugin files uploaded on the admin page, kept in memory between the upload and the
//! admin's approval of their capabilities. Bounded in number and age.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_PENDING: usize = 8;
/// Bytes of all pending uploads together; the oldest make room for a new one.
const MAX_PENDING_BYTES: usize = 512 * 1024 * 1024;
const MAX_AGE: Duration = Duration::from_secs(30 * 60);

pub struct Upload {
    pub bytes: Arc<Vec<u8>>,
    pub file_name: String,
    /// The session that uploaded it: only that session may approve it.
    pub session: String,
    created: Instant,
}

#[derive(Default)]
pub struct PendingUploads {
    uploads: Mutex<HashMap<String, Upload>>,
}

impl PendingUploads {
    /// Keeps `bytes`; returns the id to approve it by.
    pub fn add(&self, bytes: Vec<u8>, file_name: String, session: &str) -> String {
        let id = super::auth::random_token();
        let mut uploads = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        uploads.retain(|_, u| u.created.elapsed() < MAX_AGE);
        let total = |u: &HashMap<String, Upload>| u.values().map(|u| u.bytes.len()).sum::<usize>();
        while uploads.len() >= MAX_PENDING
            || (!uploads.is_empty() && total(&uploads) + bytes.len() > MAX_PENDING_BYTES)
        {
            let Some(oldest) = uploads
                .iter()
                .min_by_key(|(_, u)| u.created)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            uploads.remove(&oldest);
        }
        uploads.insert(
            id.clone(),
            Upload {
                bytes: Arc::new(bytes),
                file_name,
                session: session.to_string(),
                created: Instant::now(),
            },
        );
        id
    }

    /// The upload `id` made by `session`.
    pub fn get(&self, id: &str, session: &str) -> Option<(Arc<Vec<u8>>, String)> {
        let uploads = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        uploads
            .get(id)
            .filter(|u| u.session == session && u.created.elapsed() < MAX_AGE)
            .map(|u| (u.bytes.clone(), u.file_name.clone()))
    }

    pub fn remove(&self, id: &str) {
        self.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}
