//! The HTTP side: one reqwest client (rustls, HTTP/1.1, timeouts, optional practice CA,
//! optional bearer token, no redirects), bodies read with a size limit, searchsets followed
//! page by page with loop, origin, page and entry limits.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

use super::error::{FhirError, NetworkKind};
use super::model::{
    Appointment, Bundle, BundleType, CapabilityStatement, OperationOutcome, SearchEntryMode,
};

const FHIR_JSON: &str = "application/fhir+json";
/// A Retry-After longer than this is taken as this (a hostile or confused server must not
/// park the kiosk for days).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct ClientConfig {
    /// The FHIR base, e.g. https://fhir.clinic.example.org/r4
    pub base_url: String,
    pub token: Option<String>,
    /// PEM file with the practice's own CA, trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Whole request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Largest answer read; a larger one is refused without reading it all.
    pub max_body_bytes: usize,
}

// The token is a credential: never printed.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("ca_file", &self.ca_file)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            token: None,
            ca_file: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// How far a search is followed.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    pub max_pages: usize,
    pub max_entries: usize,
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            max_pages: 200,
            max_entries: 50_000,
        }
    }
}

/// An answer read in full (within the limit).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

pub struct Client {
    http: reqwest::Client,
    /// Always ends with '/', so joining "Appointment" stays under it.
    base: Url,
    token: Option<String>,
    max_body: usize,
    /// Requests sent so far (tests compare it with what a proxy saw).
    requests: std::sync::atomic::AtomicU64,
}

impl Client {
    pub fn new(config: &ClientConfig) -> Result<Client, FhirError> {
        let mut base =
            Url::parse(config.base_url.trim()).map_err(|_| FhirError::BadUrl("not a URL"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(FhirError::BadUrl("it must start with https:// or http://"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(FhirError::BadUrl("it has no host"));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(base.scheme() == "https")
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("checkin-kiosk/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|source| FhirError::CaFile {
                path: path.clone(),
                source,
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| FhirError::CaPem { path: path.clone() })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| FhirError::Setup(e.without_url().to_string()))?;
        Ok(Client {
            http,
            base,
            token: config.token.clone(),
            max_body: config.max_body_bytes,
            requests: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// How many requests this client has sent.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `path` under the base (e.g. "Appointment", "metadata").
    pub fn url(&self, path: &str) -> Result<Url, FhirError> {
        self.base
            .join(path)
            .map_err(|_| FhirError::BadUrl("cannot build a request address"))
    }

    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, FhirError> {
        let mut req = self.http.request(method, url).header(ACCEPT, FHIR_JSON);
        if let Some(token) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req.header(CONTENT_TYPE, FHIR_JSON).body(body);
        }
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut resp = req.send().await.map_err(network)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if resp
            .content_length()
            .is_some_and(|n| n > u64::try_from(self.max_body).unwrap_or(u64::MAX))
        {
            return Err(FhirError::TooLarge {
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network)? {
            if body.len().saturating_add(chunk.len()) > self.max_body {
                return Err(FhirError::TooLarge {
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A 2xx answer, else `FhirError::Status` with the server's OperationOutcome (when it
    /// sent one) and its Retry-After.
    fn success(answer: Answer) -> Result<Answer, FhirError> {
        if answer.status.is_success() {
            return Ok(answer);
        }
        let outcome = serde_json::from_slice::<OperationOutcome>(&answer.body).ok();
        Err(FhirError::Status {
            status: answer.status.as_u16(),
            retry_after: retry_after(&answer.headers, chrono::Utc::now()),
            outcome,
        })
    }

    /// GET /metadata.
    pub async fn capabilities(&self) -> Result<CapabilityStatement, FhirError> {
        let answer = Self::success(self.send(Method::GET, self.url("metadata")?, None).await?)?;
        serde_json::from_slice(&answer.body)
            .map_err(|e| FhirError::invalid_json("the CapabilityStatement", &e))
    }

    /// A search of `resource` with `params`, following `next` links: every page, in order.
    /// Stops with an error on a link loop, a link to another server, too many pages or
    /// entries, a page that is not a searchset Bundle, or any non-2xx page.
    pub async fn search_all(
        &self,
        resource: &str,
        params: &[(&str, String)],
        limits: PageLimits,
    ) -> Result<Vec<Bundle>, FhirError> {
        let mut url = self.url(resource)?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        let mut seen = HashSet::new();
        let mut pages = Vec::new();
        let mut entries = 0usize;
        loop {
            let page_no = pages.len() + 1;
            if page_no > limits.max_pages {
                return Err(FhirError::TooManyPages {
                    limit: limits.max_pages,
                });
            }
            if !seen.insert(url.as_str().to_owned()) {
                return Err(FhirError::PageLoop { page: page_no });
            }
            let answer = Self::success(self.send(Method::GET, url.clone(), None).await?)?;
            let bundle: Bundle = serde_json::from_slice(&answer.body).map_err(|e| {
                FhirError::invalid_json(&format!("search page {page_no} is not a Bundle"), &e)
            })?;
            if bundle.type_ != BundleType::Searchset {
                return Err(FhirError::Invalid(format!(
                    "search page {page_no} is a Bundle but not a searchset"
                )));
            }
            entries = entries.saturating_add(bundle.entry.len());
            if entries > limits.max_entries {
                return Err(FhirError::TooManyEntries {
                    limit: limits.max_entries,
                });
            }
            let next = bundle.link("next").map(str::to_owned);
            pages.push(bundle);
            let Some(next) = next else {
                return Ok(pages);
            };
            let next = url.join(&next).map_err(|_| {
                FhirError::Invalid(format!("search page {page_no} has an unusable next link"))
            })?;
            if !self.same_origin(&next) {
                return Err(FhirError::ForeignLink);
            }
            url = next;
        }
    }

    /// The Appointments with these ids, read fresh (with their versions). Ids the server
    /// does not have are simply absent from the answer.
    pub async fn read_appointments(&self, ids: &[String]) -> Result<Vec<Appointment>, FhirError> {
        let mut out = Vec::new();
        // Short queries: some servers limit the URL length.
        for chunk in ids.chunks(50) {
            let pages = self
                .search_all(
                    "Appointment",
                    &[
                        ("_id", chunk.join(",")),
                        ("_count", chunk.len().to_string()),
                    ],
                    PageLimits::default(),
                )
                .await?;
            for (n, entry) in pages.iter().flat_map(|p| p.entry.iter()).enumerate() {
                let is_match = entry
                    .search
                    .as_ref()
                    .and_then(|s| s.mode)
                    .is_none_or(|m| m == SearchEntryMode::Match);
                let Some(resource) = entry.resource.clone().filter(|_| is_match) else {
                    continue;
                };
                if resource.get("resourceType").and_then(|t| t.as_str()) != Some("Appointment") {
                    continue;
                }
                let appt: Appointment = serde_json::from_value(resource).map_err(|e| {
                    FhirError::invalid_json(&format!("Appointment entry {}", n + 1), &e)
                })?;
                out.push(appt);
            }
        }
        Ok(out)
    }

    /// POSTs a transaction Bundle to the base; a 2xx answer must be a transaction-response.
    pub async fn transaction(&self, bundle: &Bundle) -> Result<Bundle, FhirError> {
        let body = serde_json::to_vec(bundle)
            .map_err(|_| FhirError::Setup("cannot encode the Bundle".into()))?;
        let answer = Self::success(
            self.send(Method::POST, self.base.clone(), Some(body))
                .await?,
        )?;
        let reply: Bundle = serde_json::from_slice(&answer.body)
            .map_err(|e| FhirError::invalid_json("the transaction answer", &e))?;
        if reply.type_ != BundleType::TransactionResponse {
            return Err(FhirError::Invalid(
                "the transaction answer is not a transaction-response Bundle".into(),
            ));
        }
        Ok(reply)
    }

    /// GET of any address under the base (tests and `sync --once` diagnostics).
    pub async fn get_json(
        &self,
        path: &str,
    ) -> Result<(serde_json::Value, Option<String>), FhirError> {
        let answer = Self::success(self.send(Method::GET, self.url(path)?, None).await?)?;
        let etag = answer
            .headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let value = serde_json::from_slice(&answer.body)
            .map_err(|e| FhirError::invalid_json("the answer", &e))?;
        Ok((value, etag))
    }
}

fn network(e: reqwest::Error) -> FhirError {
    let kind = if e.is_timeout() {
        NetworkKind::Timeout
    } else if e.is_connect() {
        NetworkKind::Connect
    } else if e.is_body() || e.is_request() || e.is_decode() {
        NetworkKind::Broken
    } else {
        NetworkKind::Other
    };
    // The URL may carry ids in its query: not logged (the kind says enough).
    tracing::debug!(error = %e.without_url(), ?kind, "HTTP request failed");
    FhirError::Network(kind)
}

/// Retry-After as seconds or as an HTTP date, capped at an hour.
pub(crate) fn retry_after(
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = text.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Mon, 23 Nov 2026 10:00:30 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Mon, 23 Nov 2026 09:00:00 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO), "in the past");
        h.insert(RETRY_AFTER, HeaderValue::from_static("99999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn the_base_gets_a_trailing_slash_and_bad_addresses_are_refused() {
        let c = Client::new(&ClientConfig::new("http://127.0.0.1:9/fhir/R4")).unwrap();
        assert_eq!(c.base().as_str(), "http://127.0.0.1:9/fhir/R4/");
        assert_eq!(
            c.url("Appointment").unwrap().as_str(),
            "http://127.0.0.1:9/fhir/R4/Appointment"
        );
        assert!(c.same_origin(&Url::parse("http://127.0.0.1:9/other").unwrap()));
        assert!(!c.same_origin(&Url::parse("http://127.0.0.1:10/fhir/R4").unwrap()));
        assert!(!c.same_origin(&Url::parse("https://127.0.0.1:9/fhir/R4").unwrap()));
        for bad in ["", "fhir.example.org", "ftp://x/y", "http://"] {
            assert!(
                matches!(
                    Client::new(&ClientConfig::new(bad)),
                    Err(FhirError::BadUrl(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_ca_file_must_exist_and_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ClientConfig::new("https://fhir.example.org/r4");
        cfg.ca_file = Some(dir.path().join("missing.pem"));
        let err = Client::new(&cfg).err().unwrap();
        assert!(matches!(err, FhirError::CaFile { .. }), "{err}");
        assert!(err.to_string().contains("missing.pem"));
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        cfg.ca_file = Some(junk);
        assert!(matches!(Client::new(&cfg), Err(FhirError::CaPem { .. })));
    }

    #[test]
    fn debug_hides_the_token() {
        let mut cfg = ClientConfig::new("https://x.example/r4");
        cfg.token = Some("s3cr3t-token".into());
        assert!(!format!("{cfg:?}").contains("s3cr3t"));
    }
}
