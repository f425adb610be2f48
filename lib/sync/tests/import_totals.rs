//! Imported Order Entry documents equal Intacct's to the cent: units of measure, line
//! discounts, tax, discount and freight subtotals, foreign currency. A document the import
//! cannot reproduce is not imported; it becomes a visible error naming both totals.

mod common;

use chrono::NaiveDate;
use common::World;
use intacct::FunctionCall;
use intacct::functions::{CreateSoTransaction, CurrencyInfo, SoSubtotal, SoTransactionItem};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::intacct::{Fields, IntacctConfig, ObjectKind, Record, SeedSpec};
use sync_engine::catalogue::Code;
use sync_engine::ports::ReconciliationStore;

/// One generated Order Entry line.
#[derive(Debug, Clone)]
struct Line {
    quantity: Decimal,
    unit: &'static str,
    price: Decimal,
    discount_percent: Option<Decimal>,
}

/// One generated document.
#[derive(Debug, Clone)]
struct Document {
    sales_return: bool,
    currency: &'static str,
    lines: Vec<Line>,
    subtotals: Vec<(&'static str, Decimal)>,
}

impl Document {
    fn request(&self, customer: &str, number: usize) -> CreateSoTransaction {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        let items = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| SoTransactionItem {
                item_desc: Some(format!("Item {i}")),
                unit: Some(l.unit.into()),
                price: Some(l.price),
                discount_percent: l.discount_percent,
                ..SoTransactionItem::new(format!("ITEM-{i}"), l.quantity)
            })
            .collect();
        let kind = if self.sales_return {
            "Sales Return"
        } else {
            "Sales Invoice"
        };
        CreateSoTransaction {
            document_no: Some(format!("GEN-{number:04}")),
            currency: (self.currency != "USD").then(|| CurrencyInfo {
                base_currency: Some("USD".into()),
                currency: self.currency.into(),
                exchange: Some(intacct::functions::ExchangeRate::Type {
                    date: None,
                    rate_type: "Intacct Daily Rate".into(),
                }),
            }),
            subtotals: self
                .subtotals
                .iter()
                .map(|(description, total)| SoSubtotal {
                    description: (*description).into(),
                    total: *total,
                })
                .collect(),
            ..CreateSoTransaction::new(kind, date, customer, items)
        }
    }
}

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    (1..max).prop_map(|c| Decimal::new(c, 2))
}

fn line() -> impl Strategy<Value = Line> {
    (
        (1i64..2_000).prop_map(|q| Decimal::new(q, 2)),
        prop::sample::select(vec!["Each", "Pair", "Dozen", "Case"]),
        (1i64..5_000_000).prop_map(|p| Decimal::new(p, 4)),
        prop::option::of((0i64..50).prop_map(Decimal::from)),
    )
        .prop_map(|(quantity, unit, price, discount_percent)| Line {
            quantity,
            unit,
            price,
            discount_percent,
        })
}

fn document() -> impl Strategy<Value = Document> {
    (
        any::<bool>(),
        prop::sample::select(vec!["USD", "USD", "EUR", "CAD", "GBP"]),
        prop::collection::vec(line(), 1..4),
        prop::option::of(cents(5_000)),
        prop::option::of(cents(5_000)),
        prop::option::of(1i64..50),
    )
        .prop_map(
            |(sales_return, currency, lines, tax, freight, discount_percent)| {
                // A document discount is a share of the lines (a discount above them would make a
                // negative invoice, which Invoiced refuses and no company issues).
                let lines_total: Decimal = lines
                    .iter()
                    .map(|l| {
                        (l.quantity
                            * l.price
                            * (Decimal::ONE_HUNDRED - l.discount_percent.unwrap_or_default())
                            / Decimal::ONE_HUNDRED)
                            .round_dp(2)
                    })
                    .sum();
                let discount = discount_percent
                    .map(|p| (lines_total * Decimal::from(p) / Decimal::ONE_HUNDRED).round_dp(2))
                    .filter(|d| !d.is_zero());
                let mut subtotals = Vec::new();
                if let Some(t) = tax {
                    subtotals.push(("Sales Tax", t));
                }
                if let Some(f) = freight {
                    subtotals.push(("Freight", f));
                }
                if let Some(d) = discount {
                    subtotals.push(("Discount", -d));
                }
                Document {
                    sales_return,
                    currency,
                    lines,
                    subtotals,
                }
            },
        )
}

async fn create(world: &World, request: CreateSoTransaction) {
    world
        .intacct_client()
        .execute_one(FunctionCall::random(request))
        .await
        .expect("created in Intacct")
        .ensure_success()
        .expect("Intacct accepted the document");
}

fn documents(world: &World) -> Vec<Record> {
    world.intacct_records(ObjectKind::SoDocument)
}

/// Every Intacct document has an Invoiced copy whose currency, total and balance are its own.
fn assert_both_sides_agree(world: &World) {
    let invoiced = world.invoiced.handle();
    let (invoices, credit_notes) = (invoiced.invoices(), invoiced.credit_notes());
    for doc in documents(world) {
        let number = &doc.fields["DOCNO"];
        let currency = doc.fields["CURRENCY"].to_lowercase();
        let (total, balance, their_currency) = if doc.fields["DOCPARID"] == "Sales Return" {
            let c = credit_notes
                .iter()
                .find(|c| &c.number == number)
                .unwrap_or_else(|| panic!("credit note {number} imported"));
            (c.lines.total(), c.balance(), c.currency.clone())
        } else {
            let i = invoices
                .iter()
                .find(|i| &i.number == number)
                .unwrap_or_else(|| panic!("invoice {number} imported"));
            (i.lines.total(), i.balance(), i.currency.clone())
        };
        assert_eq!(their_currency, currency, "{number}");
        assert_eq!(total, doc.money("TRX_TOTAL"), "{number}: total");
        assert_eq!(balance, doc.money("TRX_TOTALDUE"), "{number}: balance");
    }
}

#[tokio::test]
async fn dozens_line_discounts_freight_tax_and_euros_import_to_the_cent() {
    let world = World::start_with(
        IntacctConfig {
            seed: SeedSpec {
                customers: 1,
                invoices: 12,
                returns: 3,
                payments: 0,
                ..SeedSpec::default()
            },
            ..IntacctConfig::default()
        },
        |_| {},
    )
    .await;
    // 100 + 8 tax + 15 freight (the case that was imported as 108), in euros, with a line of
    // 2 Dozen at 61.40 less 10 %.
    let freight = Document {
        sales_return: false,
        currency: "EUR",
        lines: vec![
            Line {
                quantity: dec!(1),
                unit: "Each",
                price: dec!(100),
                discount_percent: None,
            },
            Line {
                quantity: dec!(2),
                unit: "Dozen",
                price: dec!(61.40),
                discount_percent: Some(dec!(10)),
            },
        ],
        subtotals: vec![("Sales Tax", dec!(8)), ("Freight", dec!(15))],
    };
    create(&world, freight.request("C-00001", 1)).await;

    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap();
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_both_sides_agree(&world);

    let invoice = world
        .invoiced
        .handle()
        .invoices()
        .into_iter()
        .find(|i| i.number == "GEN-0001")
        .expect("imported");
    // 100 + 110.52 (2 × 61.40 less 10 %) + 8 + 15, in euros (Intacct's base total is in USD).
    assert_eq!(invoice.lines.total(), dec!(233.52));
    assert_eq!(invoice.currency, "eur");
    let freight_line = invoice
        .lines
        .items
        .iter()
        .find(|l| l.name.as_deref() == Some("Freight"))
        .expect("freight is a line");
    assert_eq!(freight_line.amount(), dec!(15));
}

#[tokio::test]
async fn a_document_whose_total_cannot_be_reproduced_is_an_error_not_an_import() {
    let world = World::start(|_| {}).await;
    world
        .intacct
        .handle
        .insert_customer("C-00001", "Customer One");
    let doc = Document {
        sales_return: false,
        currency: "USD",
        lines: vec![Line {
            quantity: dec!(1),
            unit: "Each",
            price: dec!(100),
            discount_percent: None,
        }],
        subtotals: vec![("Sales Tax", dec!(8))],
    };
    create(&world, doc.request("C-00001", 7)).await;
    // A charge the read does not show (Intacct totals 123; its rows add up to 108).
    let record = documents(&world).pop().expect("created");
    let changes: Fields = [("TRX_TOTAL".to_owned(), "123.00".to_owned())]
        .into_iter()
        .collect();
    assert!(world.intacct.handle.overwrite_fields(
        ObjectKind::SoDocument,
        record.recordno,
        changes
    ));

    world.engine.poll(&world.conn, None).await.expect("poll");
    assert!(
        world.invoiced.handle().invoices().is_empty(),
        "nothing imported with a wrong total"
    );
    let errors = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, Code::SyncImportTotalMismatch.as_str());
    assert!(
        errors[0].message.contains("123.00") && errors[0].message.contains("108"),
        "both figures: {}",
        errors[0].message
    );
    assert_eq!(errors[0].fix, Code::SyncImportTotalMismatch.fix());
}

proptest! {
    // Each case starts both sandboxes and imports up to five documents (24 cases take about a
    // second; PROPTEST_CASES raises it).
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_order_entry_documents_import_with_intacct_total_and_balance(
        docs in prop::collection::vec(document(), 1..6)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let world = World::start(|_| {}).await;
            world.intacct.handle.insert_customer("C-00001", "Customer One");
            for (n, doc) in docs.iter().enumerate() {
                create(&world, doc.request("C-00001", n + 1)).await;
            }
            world.engine.poll(&world.conn, None).await.expect("poll");
            let errors = world
                .store
                .list_errors(&world.conn, &Default::default())
                .await
                .unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            assert_both_sides_agree(&world);
        });
    }
}
