"""Drive the Invoiced sandbox with the official `invoiced` Python library, unmodified.

The library lets a caller choose the host: `invoiced.Client(key)` stores the base URL in the
public instance attribute `api_url` (set from `Client.ApiBase` or `ApiBaseSandbox` in
`__init__`), and every request is built as `self.api_url + endpoint`. So the script simply sets
`client.api_url` to the sandbox URL after constructing the client; no installed file is touched and
nothing is monkey-patched.

Usage: fidelity.py BASE_URL API_KEY. Prints one line per case and a final
`invoiced-python fidelity: N passed, M failed`; exits non-zero if any case failed.
"""

import sys
import traceback

import invoiced
from invoiced import errors


def make_client(base_url, api_key):
    client = invoiced.Client(api_key)
    client.api_url = base_url.rstrip("/")
    return client


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def case_create_customer(client, ctx):
    customer = client.Customer.create(
        name="Dunder Mifflin", email="billing@dundermifflin.test", payment_terms="NET 30",
        metadata={"account_rep": "Jan"})
    check(isinstance(customer, invoiced.Customer), "create returns a Customer")
    check(customer.object == "customer" and customer.name == "Dunder Mifflin", "customer fields round-trip")
    check(customer.metadata == {"account_rep": "Jan"}, "metadata round-trips")
    fetched = client.Customer.retrieve(customer.id)
    check(fetched.number == customer.number, "retrieve returns the created customer")
    fetched.email = "ap@dundermifflin.test"
    check(fetched.save() is True, "save() PATCHes and reports success")
    check(client.Customer.retrieve(customer.id).email == "ap@dundermifflin.test", "the update is stored")
    ctx["customer"] = customer


def case_create_invoice(client, ctx):
    invoice = client.Invoice.create(
        customer=ctx["customer"].id, payment_terms="NET 14",
        items=[{"name": "Copy Paper, Case", "quantity": 1, "unit_cost": 45},
               {"name": "Delivery", "quantity": 1, "unit_cost": 10}],
        taxes=[{"amount": 3.85}], discounts=[{"amount": 7.7}])
    check(isinstance(invoice, invoiced.Invoice), "create returns an Invoice")
    check(invoice.total == 51.15 and invoice.balance == 51.15, "total is 51.15, got %s" % invoice.total)
    check(invoice.status == "not_sent" and invoice.paid is False, "a new invoice is open")
    check(len(invoice["items"]) == 2 and invoice["items"][0]["object"] == "line_item", "line items are returned")
    ctx["invoice"] = invoice


def case_list_with_pagination(client, ctx):
    for n in range(7):
        client.Customer.create(name="Paper Customer %d" % n)
    seen = []
    page = 1
    while True:
        customers, metadata = client.Customer.list(per_page=3, page=page)
        check(all(isinstance(c, invoiced.Customer) for c in customers), "list returns Customers")
        seen.extend(c.id for c in customers)
        if page == 1:
            check("next" in metadata.links and "previous" not in metadata.links, "page 1 links: %s" % metadata.links)
        if "next" not in metadata.links:
            break
        check("page=%d" % (page + 1) in metadata.links["next"], "next points at the following page")
        page += 1
    check(metadata.total_count == 8, "X-Total-Count is 8, got %s" % metadata.total_count)
    check(page == 3 and len(seen) == 8 and len(set(seen)) == 8, "3 pages, 8 distinct customers: %s" % seen)
    found, meta = client.Customer.list(filter={"name": "Dunder Mifflin"})
    check(len(found) == 1 and meta.total_count == 1, "filter[name] narrows the list")


def case_record_payment(client, ctx):
    invoice = ctx["invoice"]
    payment = client.Payment.create(
        customer=ctx["customer"].id, amount=51.15, method="check", reference="1001",
        applied_to=[{"type": "invoice", "invoice": invoice.id, "amount": 51.15}])
    check(isinstance(payment, invoiced.Payment), "create returns a Payment")
    check(payment.amount == 51.15 and payment.balance == 0, "the payment is fully applied")
    paid = client.Invoice.retrieve(invoice.id)
    check(paid.status == "paid" and paid.paid is True and paid.closed is True, "the invoice is paid and closed")
    check(payment.delete() is True and payment.voided is True, "DELETE voids the payment")
    reopened = client.Invoice.retrieve(invoice.id)
    check(reopened.balance == 51.15 and reopened.closed is False, "voiding the payment reopens the invoice")


def case_errors(client, ctx):
    try:
        client.Customer.retrieve(987654321)
    except errors.InvalidRequestError as err:
        check(err.status_code == 404, "404 status, got %s" % err.status_code)
        check(err.error == {"type": "invalid_request", "message": "Customer was not found: 987654321"},
              "the real 404 body, got %s" % err.error)
    else:
        raise AssertionError("retrieving an unknown customer must raise InvalidRequestError")
    try:
        client.Customer.create(email="nameless@example.com")
    except errors.InvalidRequestError as err:
        check(err.status_code == 400 and err.error.get("param") == "name", "400 names the field")
    else:
        raise AssertionError("a customer without a name must be refused")
    stranger = make_client(client.api_url, "not_the_key")
    try:
        stranger.Customer.list()
    except errors.AuthenticationError as err:
        check(err.status_code == 401, "401 for a wrong key")
    else:
        raise AssertionError("a wrong API key must raise AuthenticationError")


CASES = [
    ("create a customer", case_create_customer),
    ("create an invoice", case_create_invoice),
    ("list with pagination", case_list_with_pagination),
    ("record and void a payment", case_record_payment),
    ("errors map to the library's types", case_errors),
]


def main(argv):
    if len(argv) != 3:
        print("usage: fidelity.py BASE_URL API_KEY", file=sys.stderr)
        return 2
    client = make_client(argv[1], argv[2])
    ctx = {}
    passed = failed = 0
    for name, case in CASES:
        try:
            case(client, ctx)
        except Exception:  # report every case, whatever broke
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc()
        else:
            passed += 1
            print("ok   %s" % name)
    print("invoiced-python fidelity: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
