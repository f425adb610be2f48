//! Every response fixture parses into the typed result a caller acts on: the right status at
//! the right level, every error number, the data and its paging attributes.

mod common;

use intacct::{
    Error, ErrorClass, Failure, Response, ResultStatus, Status, classify, failure_of, interpret,
};
use pretty_assertions::assert_eq;
use secrecy::ExposeSecret;

use common::fixture;

fn parse(name: &str) -> Response {
    Response::parse(fixture(name).as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn errnos(errors: &[intacct::ErrorDetail]) -> Vec<&str> {
    errors.iter().map(|e| e.errorno.as_str()).collect()
}

#[test]
fn get_api_session_success_yields_session_and_endpoint() {
    let r = parse("resp_01_getapisession_success.xml");
    assert_eq!(r.control.status, Status::Success);
    assert_eq!(r.control.sender_id.as_deref(), Some("testsenderid"));
    assert_eq!(r.control.control_id.as_deref(), Some("ControlIdHere"));
    assert_eq!(r.control.unique_id, Some(false));
    assert_eq!(r.control.dtd_version.as_deref(), Some("3.0"));
    let op = r.operation.as_ref().unwrap();
    assert_eq!(op.authentication.status, Status::Success);
    assert_eq!(op.authentication.user_id.as_deref(), Some("fakeuser"));
    assert_eq!(op.authentication.company_id.as_deref(), Some("fakecompany"));
    assert_eq!(op.authentication.location_id, None);
    assert_eq!(
        op.authentication.session_timeout.map(|t| t.to_rfc3339()),
        Some("2015-10-23T20:58:27-07:00".into())
    );
    let result = &r.results()[0];
    assert_eq!(
        (
            result.status,
            result.function.as_str(),
            result.control_id.as_str()
        ),
        (ResultStatus::Success, "getAPISession", "testControlId")
    );
    let api = result.api_session().unwrap();
    assert_eq!(api.session_id.expose_secret(), "fAkESesSiOnId..");
    assert_eq!(
        api.endpoint.as_deref(),
        Some("https://api.intacct.com/ia/xml/xmlgw.phtml")
    );
    assert!(r.check_results().is_ok());
}

#[test]
fn sign_in_incorrect_is_an_authentication_failure() {
    let r = parse("resp_02_auth_failure_signin_incorrect_XL03000006.xml");
    assert!(r.is_authentication_failure());
    let op = r.operation.as_ref().unwrap();
    assert!(op.results.is_empty());
    assert_eq!(errnos(&op.errors), ["XL03000006"]);
    assert_eq!(
        op.errors[0].description2.as_deref(),
        Some("Sign-in information is incorrect")
    );
    let err = interpret(
        200,
        fixture("resp_02_auth_failure_signin_incorrect_XL03000006.xml").as_bytes(),
        false,
    )
    .unwrap_err();
    assert_eq!(classify(&err), ErrorClass::Authentication);
    assert_eq!(failure_of(&err), Failure::Auth401);
}

#[test]
fn invalid_session_is_recognised_as_such() {
    let body = fixture("resp_03_auth_failure_invalid_session_XL03000006.xml");
    let r = parse("resp_03_auth_failure_invalid_session_XL03000006.xml");
    let op = r.operation.as_ref().unwrap();
    assert_eq!(op.authentication.status, Status::Failure);
    assert_eq!(op.authentication.user_id, None);
    assert_eq!(
        op.errors[0].description2.as_deref(),
        Some("Invalid session q....")
    );
    let err = interpret(200, body.as_bytes(), true).unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }));
    assert_eq!(failure_of(&err), Failure::SessionInvalid);
}

#[test]
fn sender_not_authorised_keeps_description_and_correction() {
    let r = parse("resp_04_auth_failure_sender_not_authorized_XL03000006.xml");
    let e = &r.operation.as_ref().unwrap().errors[0];
    assert_eq!(
        e.description.as_deref(),
        Some("Invalid Web Services Authorization")
    );
    assert_eq!(
        e.description2.as_deref(),
        Some(
            "The sender ID 'test_sender_id' is not authorized to make Web Services requests to company ID 'test_company_id'."
        )
    );
    assert_eq!(
        e.correction.as_deref(),
        Some(
            "Contact the company administrator to grant Web Services authorization to this sender ID."
        )
    );
    let err = interpret(
        200,
        fixture("resp_04_auth_failure_sender_not_authorized_XL03000006.xml").as_bytes(),
        false,
    )
    .unwrap_err();
    assert_eq!(failure_of(&err), Failure::SenderNotAuthorized);
}

#[test]
fn control_failures_have_no_operation() {
    let r = parse("resp_05_control_failure_invalid_sender_XL03000006.xml");
    assert!(r.is_control_failure());
    assert!(r.operation.is_none());
    assert_eq!(r.control.control_id.as_deref(), Some("1559435393"));
    assert_eq!(
        r.errors[0].description2.as_deref(),
        Some("Incorrect Intacct XML Partner ID or password.")
    );
    let err = interpret(
        200,
        fixture("resp_05_control_failure_invalid_sender_XL03000006.xml").as_bytes(),
        true,
    )
    .unwrap_err();
    assert_eq!(failure_of(&err), Failure::SenderCredentials);
    assert_eq!(classify(&err), ErrorClass::Authentication);

    let r = parse("resp_06_control_failure_demo_expired_PL04000055.xml");
    assert_eq!(r.control.sender_id, None);
    assert_eq!(r.control.control_id, None);
    assert_eq!(errnos(&r.errors), ["PL04000055"]);
    let err = interpret(
        200,
        fixture("resp_06_control_failure_demo_expired_PL04000055.xml").as_bytes(),
        false,
    )
    .unwrap_err();
    assert_eq!(failure_of(&err), Failure::CompanyUnavailable);

    let r = parse("resp_08_control_failure_xml_parse_XL03000003.xml");
    assert_eq!(errnos(&r.errors), ["XL03000003", "XL03000003"]);
    assert!(
        r.errors[1]
            .description2
            .as_deref()
            .unwrap()
            .contains("Line: 21, column: 32.")
    );
    let err = interpret(
        200,
        fixture("resp_08_control_failure_xml_parse_XL03000003.xml").as_bytes(),
        true,
    )
    .unwrap_err();
    assert_eq!(failure_of(&err), Failure::RequestRejected);
    assert_eq!(classify(&err), ErrorClass::NeedsOperator);
}

#[test]
fn http_401_body_is_parsed_and_classified_as_bad_credentials() {
    let body = fixture("resp_09_http401_control_failure_XMLGW_JPP0002.xml");
    let r = parse("resp_09_http401_control_failure_XMLGW_JPP0002.xml");
    assert!(r.is_control_failure());
    assert_eq!(r.control.sender_id, None);
    assert_eq!(r.errors[0].errorno, "XMLGW_JPP0002");
    assert_eq!(
        r.errors[0].description.as_deref(),
        Some("Sign-in information is incorrect. Please check your request.")
    );
    assert_eq!(r.errors[0].description2, None);
    let err = interpret(401, body.as_bytes(), false).unwrap_err();
    assert!(matches!(err, Error::Control { status: 401, .. }));
    assert_eq!(classify(&err), ErrorClass::Authentication);
    assert_eq!(failure_of(&err), Failure::Auth401);
}

#[test]
fn function_failure_with_free_text_errorno() {
    let r = parse("resp_10_result_failure_object_not_found.xml");
    let res = &r.results()[0];
    assert_eq!(res.status, ResultStatus::Failure);
    assert_eq!(res.function, "readByQuery");
    assert_eq!(res.errors[0].errorno, "Query Failed");
    assert_eq!(
        res.errors[0].description2.as_deref(),
        Some("Object definition BADOBJECT not found")
    );
    let err = r.check_results().unwrap_err();
    assert!(matches!(&err, Error::Function { control_id, .. } if control_id == "testControlId"));
    assert_eq!(failure_of(&err), Failure::FunctionFailed);
}

#[test]
fn aborted_results_carry_rollback_error() {
    let r = parse("resp_11_result_aborted_transaction_rollback_XL03000009.xml");
    let res = &r.results()[0];
    assert_eq!(res.status, ResultStatus::Aborted);
    assert_eq!(errnos(&res.errors), ["Query Failed", "XL03000009"]);
    assert!(
        res.clone().ensure_success().is_err(),
        "aborted is not success"
    );
}

#[test]
fn transaction_batch_reports_the_failed_function_as_cause() {
    let r = parse("resp_12_transaction_true_batch_aborted_and_failed.xml");
    let statuses: Vec<_> = r
        .results()
        .iter()
        .map(|x| (x.status, x.control_id.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            (ResultStatus::Aborted, "func1UnitTest"),
            (ResultStatus::Failure, "func2UnitTest")
        ]
    );
    assert_eq!(errnos(&r.results()[0].errors), ["XL03000009"]);
    assert_eq!(
        errnos(&r.results()[1].errors),
        ["Get API Session Failed", "XL03000009"]
    );
    let err = r.check_results().unwrap_err();
    assert!(
        matches!(&err, Error::Function { control_id, status: ResultStatus::Failure, .. } if control_id == "func2UnitTest")
    );
    let aborted = r.results()[0].error().unwrap();
    assert_eq!(failure_of(&aborted), Failure::TransactionRolledBack);
    assert_eq!(
        r.result("func1UnitTest").map(|x| x.status),
        Some(ResultStatus::Aborted)
    );
}

#[test]
fn duplicate_create_keeps_data_and_all_errors() {
    let r = parse("resp_14_create_failure_duplicate_BL34000061.xml");
    let res = &r.results()[0];
    assert_eq!(res.status, ResultStatus::Failure);
    assert_eq!(
        errnos(&res.errors),
        ["BL34000061", "BL01001973", "BL01001973"]
    );
    assert_eq!(
        res.errors[0].description2.as_deref(),
        Some("Another Project with the given value(s) Fellow PD1  already exists")
    );
    let data = res.data.as_ref().unwrap();
    assert_eq!(data.list_type.as_deref(), Some("objects"));
    assert_eq!(data.records[0].name(), "project");
    assert_eq!(data.records[0].get("PROJECTID"), Some("Fellow PD2"));
    assert_eq!(failure_of(&res.error().unwrap()), Failure::DuplicateRecord);
}

#[test]
fn generic_create_success_returns_record_numbers() {
    let r = parse("resp_15_create_generic_success_listtype_objects.xml");
    let data = r.results()[0].data.as_ref().unwrap();
    assert_eq!(
        (data.list_type.as_deref(), data.count),
        (Some("objects"), Some(2))
    );
    let ids: Vec<_> = data
        .records
        .iter()
        .map(|rec| {
            (
                rec.name(),
                rec.int("RECORDNO").unwrap().unwrap(),
                rec.get("CLASSID").unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [("class", 5, "UT01"), ("class", 6, "UT02")]);
    assert_eq!(
        r.operation.as_ref().unwrap().authentication.session_timeout,
        None
    );
}

#[test]
fn generic_update_and_delete_failures() {
    let r = parse("resp_16_update_generic_failure_nonexistent.xml");
    let res = &r.results()[0];
    assert_eq!(
        (res.status, res.function.as_str()),
        (ResultStatus::Failure, "update")
    );
    assert_eq!(
        res.errors[0].errorno,
        "Cannot update non-existing CLASS with CLASSID=UT99."
    );
    assert_eq!(res.errors[0].description2, None);

    let r = parse("resp_17_delete_generic_failure_BL01001973.xml");
    let res = &r.results()[0];
    assert_eq!(
        (res.status, res.function.as_str()),
        (ResultStatus::Failure, "delete")
    );
    assert_eq!(
        res.errors[0].description2.as_deref(),
        Some("Cannot find class with key 'UT01' to delete.")
    );
    assert!(res.data.is_none());
}

#[test]
fn legacy_create_returns_key() {
    let r = parse("resp_18_create_legacy_success_key.xml");
    let res = &r.results()[0];
    assert_eq!(res.function, "create_class");
    assert_eq!(res.key.as_deref(), Some("C1234"));
    assert!(res.data.is_none());
}

#[test]
fn read_by_key_returns_uppercase_rows_without_paging() {
    let r = parse("resp_19_read_customer_by_key.xml");
    let data = r.results()[0].data.as_ref().unwrap();
    assert_eq!(data.list_type.as_deref(), Some("CUSTOMER"));
    assert_eq!(
        (data.count, data.total_count, data.num_remaining),
        (Some(1), None, None)
    );
    let c = &data.records[0];
    assert_eq!(
        (c.get("RECORDNO"), c.get("CUSTOMERID"), c.get("STATUS")),
        (Some("149"), Some("10074"), Some("active"))
    );
    assert!(!data.has_more());
}

#[test]
fn empty_read_by_query_page_is_self_closing_data() {
    let r = parse("resp_20_readbyquery_empty_result.xml");
    let data = r.results()[0].data.as_ref().unwrap();
    assert_eq!(data.list_type.as_deref(), Some("department"));
    assert_eq!(
        (data.count, data.total_count, data.num_remaining),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(data.result_id, None);
    assert!(data.records.is_empty());
}

#[test]
fn read_by_query_pages_expose_paging_state() {
    let p1 = parse("resp_21_readbyquery_customer_page1_of_2.xml");
    let d1 = p1.results()[0].data.as_ref().unwrap();
    assert_eq!(
        (d1.count, d1.total_count, d1.num_remaining),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(
        d1.result_id.as_deref(),
        Some("6465763031V2wi28CoHYQAAF0HcP8AAAAc5")
    );
    assert!(d1.has_more());
    assert_eq!(d1.records[0].int("RECORDNO"), Ok(Some(1)));
    let p2 = parse("resp_22_readbyquery_customer_page2_of_2.xml");
    let d2 = p2.results()[0].data.as_ref().unwrap();
    assert!(!d2.has_more());
    assert_eq!(d2.records[0].int("RECORDNO"), Ok(Some(2)));
}

#[test]
fn expired_result_id_is_retryable() {
    let r = parse("resp_23_readmore_failure_invalid_or_expired_resultid.xml");
    let err = r.results()[0].error().unwrap();
    assert_eq!(r.results()[0].function, "readMore");
    assert_eq!(failure_of(&err), Failure::ResultSetExpired);
    assert_eq!(classify(&err), ErrorClass::Transient);
}

#[test]
fn async_acknowledgement_has_control_only() {
    let r = parse("resp_27_offline_async_acknowledgement.xml");
    assert_eq!(r.acknowledgement, Some(Status::Success));
    assert_eq!(r.control.status, Status::Success);
    assert_eq!(r.control.control_id.as_deref(), Some("requestUnitTest"));
    assert!(r.operation.is_none());
    assert!(
        interpret(
            200,
            fixture("resp_27_offline_async_acknowledgement.xml").as_bytes(),
            true
        )
        .is_ok()
    );
}

#[test]
fn every_fixture_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("resp_") {
            Response::parse(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            seen += 1;
        }
    }
    assert_eq!(seen, 22);
}
