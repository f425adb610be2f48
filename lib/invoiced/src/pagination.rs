//! List pagination: bare JSON arrays with `Link` and `X-Total-Count` headers, walked lazily.
//!
//! Invoiced returns lists as a JSON array; the next page is announced by a `Link` entry with
//! `rel="next"` (absent on the last page) and the total by `X-Total-Count`. Pages must be fetched in
//! order (the server keeps keyset cursors per page), which a sequential stream does naturally. The
//! stream fetches a page only when the consumer asks for an item beyond the current one, so taking
//! the first match costs one request.

use crate::client::Client;
use crate::error::Error;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use url::Url;

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The objects on this page.
    pub items: Vec<T>,
    /// `X-Total-Count`: matching objects over all pages (may be cached up to 5 minutes after page 1).
    pub total_count: Option<u64>,
    /// The next page, already re-targeted at the configured origin; `None` on the last page.
    pub next: Option<Url>,
}

/// Extracts the `rel="next"` target from a `Link` header value.
///
/// Entries are `<url>; rel="..."` separated by commas, possibly with newlines in between (the Java
/// library's mocks do that). URLs are read between `<` and `>`, so a comma inside a URL is harmless.
pub fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params_end = after[end..].find('<').map_or(after.len(), |i| end + i);
        let params = &after[end + 1..params_end];
        let is_next = params.split(';').any(|param| {
            let param = param.trim().trim_end_matches(',').trim();
            param
                .strip_prefix("rel=")
                .map(|rel| rel.trim_matches('"'))
                .is_some_and(|rels| rels.split_ascii_whitespace().any(|r| r == "next"))
        });
        if is_next {
            return Some(target);
        }
        rest = &after[params_end..];
    }
    None
}

/// Fetches and parses one page.
pub(crate) async fn fetch_page<T: DeserializeOwned>(
    client: &Client,
    url: Url,
    what: &str,
) -> Result<Page<T>, Error> {
    let response = client.get_raw(url.clone()).await?;
    let items: Vec<T> = crate::client::decode(&response.body, &format!("list of {what}"))?;
    let total_count = response
        .headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let next = response
        .headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(next_link)
        .and_then(|target| url.join(target).ok())
        .map(|target| client.rebase(&target));
    if let Some(next) = &next
        && *next == url
    {
        return Err(Error::PaginationLoop(next.to_string()));
    }
    Ok(Page {
        items,
        total_count,
        next,
    })
}

/// A lazy stream of pages starting at `first`. It ends after the page without a `next` link, or after
/// the first error.
pub(crate) fn pages<T>(
    client: Client,
    first: Url,
    what: &'static str,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    stream::try_unfold(Some(first), move |next| {
        let client = client.clone();
        async move {
            let Some(url) = next else {
                return Ok(None);
            };
            let page = fetch_page::<T>(&client, url, what).await?;
            let following = page.next.clone();
            Ok(Some((page, following)))
        }
    })
}

/// A lazy stream of the items of every page.
pub(crate) fn items<T>(
    client: Client,
    first: Url,
    what: &'static str,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    pages::<T>(client, first, what)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn finds_next_in_the_documented_header() {
        let header = "<https://api.invoiced.com/customers?page=3&per_page=10>; rel=\"self\", <https://api.invoiced.com/customers?page=1&per_page=10>; rel=\"first\", <https://api.invoiced.com/customers?page=2&per_page=10>; rel=\"previous\", <https://api.invoiced.com/customers?page=4&per_page=10>; rel=\"next\", <https://api.invoiced.com/customers?page=5&per_page=10>; rel=\"last\"";
        assert_eq!(
            next_link(header),
            Some("https://api.invoiced.com/customers?page=4&per_page=10")
        );
    }

    #[test]
    fn tolerates_newlines_and_commas_inside_urls() {
        let header = "<http://x/events?related_to=invoice,1&page=1>; rel=\"self\",\n <http://x/events?related_to=invoice,1&page=2>; rel=\"next\"";
        assert_eq!(
            next_link(header),
            Some("http://x/events?related_to=invoice,1&page=2")
        );
    }

    #[test]
    fn last_page_has_no_next() {
        let header = "<http://x/c?page=2>; rel=\"self\", <http://x/c?page=1>; rel=\"previous\", <http://x/c?page=2>; rel=\"last\"";
        assert_eq!(next_link(header), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("garbage <unterminated"), None);
    }
}
