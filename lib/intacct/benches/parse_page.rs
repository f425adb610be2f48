//! Parse one 1,000-row readByQuery page (~1.7 MB) into typed rows. Target: ≤ 5 ms.
//!
//! "Typed rows" = the envelope and every row parsed, plus the typed getters a customer sync
//! uses on each row (RECORDNO as int, TOTALDUE as Decimal, WHENMODIFIED as a timestamp).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use intacct::Response;

#[path = "page_gen.rs"]
mod page_gen;

fn parse_page(c: &mut Criterion) {
    let page = page_gen::generate_page(1000);
    let mut group = c.benchmark_group("readbyquery_page");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("parse_1000_rows", |b| {
        b.iter(|| {
            let response = Response::parse(black_box(page.as_bytes())).expect("page parses");
            black_box(response)
        })
    });
    group.bench_function("parse_1000_rows_typed", |b| {
        b.iter(|| {
            let response = Response::parse(black_box(page.as_bytes())).expect("page parses");
            let data = response.results()[0].data.as_ref().expect("data");
            let mut total = rust_decimal::Decimal::ZERO;
            for row in &data.records {
                black_box(row.int("RECORDNO").ok().flatten());
                black_box(row.datetime("WHENMODIFIED").ok().flatten());
                total += row.decimal("TOTALDUE").ok().flatten().unwrap_or_default();
            }
            black_box(total)
        })
    });
    // Baseline for context: a bare quick-xml event scan that builds nothing.
    group.bench_function("bare_quick_xml_scan", |b| {
        b.iter(|| {
            let mut reader = quick_xml::Reader::from_str(black_box(&page));
            let mut events = 0usize;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                    Ok(_) => events += 1,
                }
            }
            black_box(events)
        })
    });
    group.finish();
}

criterion_group!(benches, parse_page);
criterion_main!(benches);
