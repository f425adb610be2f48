//! The parser never panics: not on arbitrary bytes, not on mutated real fixtures. And any text
//! the writer escapes comes back byte-for-byte through the parser.

mod common;

use intacct::functions::{Create, Object};
use intacct::{Auth, ControlId, Credentials, FunctionCall, Request, Response, interpret};
use proptest::prelude::*;
use secrecy::SecretString;

const FIXTURES: &[&str] = &[
    "resp_01_getapisession_success.xml",
    "resp_03_auth_failure_invalid_session_XL03000006.xml",
    "resp_09_http401_control_failure_XMLGW_JPP0002.xml",
    "resp_12_transaction_true_batch_aborted_and_failed.xml",
    "resp_14_create_failure_duplicate_BL34000061.xml",
    "resp_20_readbyquery_empty_result.xml",
    "resp_21_readbyquery_customer_page1_of_2.xml",
    "resp_27_offline_async_acknowledgement.xml",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippets = prop_oneof![
        Just(b"<".to_vec()),
        Just(b"&".to_vec()),
        Just(b"&#0;".to_vec()),
        Just(b"&#xFFFFFFFF;".to_vec()),
        Just(b"</data>".to_vec()),
        Just(b"<data count=\"x\">".to_vec()),
        Just(b"<![CDATA[x]]>".to_vec()),
        Just(vec![0xff, 0xfe]),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), snippets).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<usize>(), 0usize..50).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] = *b;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Insert(i, s) => {
                let at = (i % len).min(bytes.len());
                bytes.splice(at..at, s.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = (i % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Response::parse(&bytes);
        for status in [200u16, 401, 503] {
            let _ = interpret(status, &bytes, true);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let bytes = apply(common::fixture(FIXTURES[which]).into_bytes(), &mutations);
        if let Ok(r) = Response::parse(&bytes) {
            // Whatever parsed must be usable without panicking.
            let _ = r.check_results();
            for res in r.results() {
                if let Some(d) = &res.data {
                    for rec in &d.records {
                        let _ = rec.decimal("RECORDNO");
                        let _ = rec.datetime("WHENMODIFIED");
                        let _ = format!("{rec:?}");
                    }
                }
            }
        }
        let _ = interpret(200, &bytes, true);
    }

    #[test]
    fn escaped_values_round_trip(value in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,64}") {
        let object = Object::builder("CUSTOMER").text("NAME", value.clone()).build().unwrap();
        let creds = Credentials {
            sender_id: "s".into(),
            sender_password: SecretString::from("p"),
            company_id: "c".into(),
            user_id: "u".into(),
            user_password: SecretString::from("p"),
            entity_id: None,
        };
        let session = SecretString::from("x");
        let xml = Request::new()
            .call(FunctionCall::new(ControlId::parse("f").unwrap(), Create::one(object)))
            .to_xml(&creds, Auth::Session(&session));
        let root = intacct::record::parse_document(&xml).unwrap();
        let name = root
            .nested("operation")
            .and_then(|o| o.nested("content"))
            .and_then(|c| c.nested("function"))
            .and_then(|f| f.nested("create"))
            .and_then(|c| c.nested("CUSTOMER"))
            .and_then(|c| c.get("NAME"))
            .map(str::to_owned);
        prop_assert_eq!(name, Some(value));
    }
}
