//! Scenarios about lists: bare arrays, `Link` / `X-Total-Count`, filters and sorting.

mod invoiced_support;

use invoiced_support::start;
use pretty_assertions::assert_eq;
use serde_json::json;
use std::collections::BTreeMap;

/// `rel → url` from a Link header, parsed the way the official libraries do.
fn links(header: &str) -> BTreeMap<String, String> {
    header
        .split(',')
        .map(|part| {
            let (url, rel) = part.split_once(';').unwrap();
            let url = url
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            let rel = rel
                .trim()
                .trim_start_matches("rel=\"")
                .trim_end_matches('"')
                .to_string();
            (rel, url)
        })
        .collect()
}

#[tokio::test]
async fn walking_25_customers_ten_at_a_time_follows_the_link_header_to_the_end() {
    let sandbox = start().await;
    sandbox.running.handle().seed_customers(25).unwrap();

    let first = sandbox.get("/customers?per_page=10").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-total-count").as_deref(), Some("25"));
    let rels = links(&first.header("link").unwrap());
    let base = &sandbox.running.url;
    assert_eq!(
        rels.keys().cloned().collect::<Vec<_>>(),
        vec!["first", "last", "next", "self"]
    );
    assert_eq!(rels["self"], format!("{base}/customers?page=1&per_page=10"));
    assert_eq!(rels["next"], format!("{base}/customers?page=2&per_page=10"));
    assert_eq!(rels["last"], format!("{base}/customers?page=3&per_page=10"));
    assert_eq!(first.json.as_array().unwrap().len(), 10);

    // Follow `next` until it disappears, collecting ids.
    let mut ids: Vec<i64> = first
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let mut next = rels.get("next").cloned();
    let mut pages = 1;
    while let Some(url) = next {
        let page = sandbox.get(url.strip_prefix(base.as_str()).unwrap()).await;
        let rels = links(&page.header("link").unwrap());
        assert!(
            rels.contains_key("previous"),
            "page > 1 has rel=\"previous\""
        );
        ids.extend(
            page.json
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        next = rels.get("next").cloned();
        pages += 1;
    }
    assert_eq!(pages, 3);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "default order is id ASC with no repeats");
    assert_eq!(ids.len(), 25);
}

#[tokio::test]
async fn per_page_is_clamped_and_an_empty_list_still_has_links() {
    let sandbox = start().await;
    let empty = sandbox.get("/invoices").await;
    assert_eq!(empty.json, json!([]));
    assert_eq!(empty.header("x-total-count").as_deref(), Some("0"));
    let rels = links(&empty.header("link").unwrap());
    assert_eq!(
        rels["last"],
        format!("{}/invoices?page=1", sandbox.running.url)
    );
    assert!(!rels.contains_key("next") && !rels.contains_key("previous"));

    sandbox.running.handle().seed_customers(3).unwrap();
    let clamped = sandbox.get("/customers?per_page=500").await;
    assert_eq!(clamped.json.as_array().unwrap().len(), 3);
    assert!(
        !clamped.header("link").unwrap().contains("per_page"),
        "per_page 100 is the default and omitted"
    );
}

#[tokio::test]
async fn metadata_filter_update_filter_and_sort_select_and_order_rows() {
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    for (name, rep) in [("Alpha", "Jan"), ("Bravo", "Dwight"), ("Charlie", "Jan")] {
        sandbox
            .post(
                "/customers",
                json!({"name": name, "metadata": {"account_rep": rep}}),
            )
            .await;
    }
    let jans = sandbox
        .get("/customers?metadata[account_rep]=Jan&sort=name%20desc")
        .await;
    let names: Vec<&str> = jans
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Charlie", "Alpha"]);
    assert_eq!(jans.header("x-total-count").as_deref(), Some("2"));
    assert!(
        jans.header("link")
            .unwrap()
            .contains("metadata%5Baccount_rep%5D=Jan"),
        "links keep the filters"
    );

    let by_name = sandbox.get("/customers?filter[name]=Bravo").await;
    assert_eq!(by_name.json.as_array().unwrap().len(), 1);
    let unknown = sandbox.get("/customers?filter[favourite_colour]=red").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json["message"],
        "Invalid filter parameter: favourite_colour"
    );

    // updated_after is strict: only rows changed after the bookmark come back.
    let bookmark = handle
        .customers()
        .iter()
        .map(|c| c.updated_at)
        .max()
        .unwrap();
    handle.advance_clock(10);
    let bravo = handle
        .customers()
        .iter()
        .find(|c| c.name == "Bravo")
        .unwrap()
        .id;
    sandbox
        .patch(
            &format!("/customers/{bravo}"),
            json!({"email": "b@example.com"}),
        )
        .await;
    let changed = sandbox
        .get(&format!("/customers?updated_after={bookmark}"))
        .await;
    let names: Vec<&str> = changed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Bravo"]);
}

#[tokio::test]
async fn invoices_filter_by_customer_status_and_date_range() {
    let sandbox = start().await;
    let acme = sandbox.customer("Acme").await;
    let other = sandbox.customer("Other").await;
    for (customer, date) in [
        (acme, 1_700_000_000),
        (acme, 1_700_100_000),
        (other, 1_700_000_000),
    ] {
        sandbox
            .post(
                "/invoices",
                json!({"customer": customer, "date": date, "items": [{"unit_cost": 5}]}),
            )
            .await;
    }
    let acmes = sandbox
        .get(&format!("/invoices?filter[customer]={acme}"))
        .await;
    assert_eq!(acmes.json.as_array().unwrap().len(), 2);
    let ranged = sandbox
        .get("/invoices?start_date=1700050000&end_date=1700100000")
        .await;
    assert_eq!(ranged.json.as_array().unwrap().len(), 1);
    let expanded = sandbox
        .get(&format!(
            "/invoices?filter[customer]={other}&expand=customer"
        ))
        .await;
    assert_eq!(expanded.json[0]["customer"]["name"], "Other");
}
