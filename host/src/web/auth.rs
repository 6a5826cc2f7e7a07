//! Admin sessions and CSRF protection for the portal's admin pages.
//!
//! With `server.admin_token` set, the admin pages need a sign-in with that token; it starts a
//! session kept in memory and named by an `HttpOnly; SameSite=Strict` cookie scoped to
//! `/admin`. Without a token (the loopback demo) the pages are open, as the admin API is, but
//! still get a session: every form carries the session's CSRF token, and a POST whose
//! `Origin` is another site is refused before any handler runs.

use crate::server::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "portico_admin";
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; beyond, expired ones and then the oldest are dropped.
const MAX_SESSIONS: usize = 10_000;

#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    /// Every POST form must send this back as `_csrf`.
    pub csrf: String,
    /// Signed in with the admin token (always true when no token is configured).
    pub signed_in: bool,
    created: Instant,
}

#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Sessions {
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        match sessions.get(id) {
            Some(s) if s.created.elapsed() < SESSION_LIFETIME => Some(s.clone()),
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn create(&self, signed_in: bool) -> Session {
        let session = Session {
            id: random_token(),
            csrf: random_token(),
            signed_in,
            created: Instant::now(),
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, s| s.created.elapsed() < SESSION_LIFETIME);
        }
        if sessions.len() >= MAX_SESSIONS {
            // Anonymous sessions go first, so a flood of visitors cannot sign an admin out.
            let oldest = |signed_in: bool| {
                sessions
                    .values()
                    .filter(|s| s.signed_in == signed_in)
                    .min_by_key(|s| s.created)
                    .map(|s| s.id.clone())
            };
            if let Some(id) = oldest(false).or_else(|| oldest(true)) {
                sessions.remove(&id);
            }
        }
        sessions.insert(session.id.clone(), session.clone());
        session
    }

    pub fn remove(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

pub fn session_cookie(session: &Session) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age={}",
        session.id,
        SESSION_LIFETIME.as_secs()
    ))
    .expect("hex session ids are valid header values")
}

pub fn expired_cookie() -> HeaderValue {
    HeaderValue::from_static("portico_admin=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0")
}

/// Whether a state-changing request comes from another site: its `Origin` (or, failing that,
/// `Sec-Fetch-Site`) says so. Same-origin requests and clients that send neither pass; the
/// CSRF token is checked by the handler as well.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        return origin == "null" || !origin_host.eq_ignore_ascii_case(host);
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
}

/// The gate in front of every `/admin` page: refuses cross-site POSTs, makes sure there is a
/// session (creating an anonymous one when no token is configured), sends visitors without a
/// signed-in session to the sign-in page, and hands the session to the handler.
pub async fn admin_gate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD);
    if !safe_method && cross_site(request.headers()) {
        return super::pages::PageError::forbidden(
            "This form was sent from another site. Open the admin page in Portico and try again.",
        )
        .into_response();
    }
    let token_mode = state.admin_token.is_some();
    let portal = &state.portal;
    let existing = cookie(request.headers(), SESSION_COOKIE).and_then(|id| portal.sessions.get(id));
    let (session, new_cookie) = match existing {
        Some(session) => (session, None),
        None => {
            let session = portal.sessions.create(!token_mode);
            let cookie = session_cookie(&session);
            (session, Some(cookie))
        }
    };
    let path = request.uri().path().to_string();
    let mut response = if !session.signed_in && path != "/admin/sign-in" {
        if safe_method {
            let next = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            Redirect::to(&format!(
                "/admin/sign-in?next={}",
                super::urls::segment(&next)
            ))
            .into_response()
        } else {
            super::pages::PageError::new(
                StatusCode::UNAUTHORIZED,
                "Sign in first",
                "Your admin session has ended. Sign in again and repeat the change.",
            )
            .into_response()
        }
    } else {
        request.extensions_mut().insert(session);
        next.run(request).await
    };
    if let Some(cookie) = new_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Checks a form's `_csrf` against the session.
pub fn check_csrf(session: &Session, sent: &str) -> Result<(), super::pages::PageError> {
    if constant_time_eq(&session.csrf, sent) {
        Ok(())
    } else {
        Err(super::pages::PageError::forbidden(
            "The form has expired (its security token does not match your session). Reload the page and try again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; portico_admin=abc; b=2"),
        );
        assert_eq!(cookie(&headers, "portico_admin"), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:7007"));
        assert!(!cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:7007"),
        );
        assert!(!cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(cross_site(&headers));
        headers.remove(header::ORIGIN);
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&headers));
    }

    #[test]
    fn a_flood_of_anonymous_sessions_keeps_signed_in_ones() {
        let sessions = Sessions::default();
        let admin = sessions.create(true);
        for _ in 0..MAX_SESSIONS + 10 {
            sessions.create(false);
        }
        assert!(sessions.get(&admin.id).is_some());
        assert!(sessions.sessions.lock().unwrap().len() <= MAX_SESSIONS);
    }

    #[test]
    fn sessions_expire_and_are_removed() {
        let sessions = Sessions::default();
        let s = sessions.create(false);
        assert!(sessions.get(&s.id).is_some());
        sessions.remove(&s.id);
        assert!(sessions.get(&s.id).is_none());
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
