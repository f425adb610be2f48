// Fidelity: the official Sage Intacct SDK for JavaScript, unmodified, against the sandbox.
// Prints a final line `intacct-sdk fidelity: N passed, M failed` and exits non-zero on failure.
"use strict";

const assert = require("node:assert/strict");
const IA = require("@intacct/intacct-sdk");

const port = process.env.INTACCT_SANDBOX_PORT;
if (!port) {
  console.error("INTACCT_SANDBOX_PORT is not set (run via run.sh)");
  process.exit(2);
}
const host = process.env.INTACCT_SANDBOX_HOST || "sandbox.intacct.com";

function config() {
  const c = new IA.ClientConfig();
  c.endpointUrl = `http://${host}:${port}/ia/xml/xmlgw.phtml`;
  c.senderId = process.env.INTACCT_SENDER_ID;
  c.senderPassword = process.env.INTACCT_SENDER_PASSWORD;
  c.companyId = process.env.INTACCT_COMPANY_ID;
  c.userId = process.env.INTACCT_USER_ID;
  c.userPassword = process.env.INTACCT_USER_PASSWORD;
  return c;
}

const client = new IA.OnlineClient(config());
const runId = Date.now().toString(36).toUpperCase();

function invoice(number) {
  const create = new IA.Functions.AccountsReceivable.InvoiceCreate();
  create.customerId = `SDK-${runId}`;
  create.transactionDate = new Date(Date.UTC(2024, 0, 31, 12));
  create.dueDate = new Date(Date.UTC(2024, 2, 1, 12));
  create.invoiceNumber = number;
  const line = new IA.Functions.AccountsReceivable.InvoiceLineCreate();
  line.glAccountNumber = "4000";
  line.transactionAmount = 1234.5;
  line.memo = "Consulting";
  create.lines = [line];
  return create;
}

const tests = [
  ["creates a customer with the generic create function", async () => {
    const create = new IA.Functions.AccountsReceivable.CustomerCreate();
    create.customerId = `SDK-${runId}`;
    create.customerName = "SDK Fidelity Ltd";
    create.primaryEmailAddress = "ap@sdk-fidelity.example";
    const result = (await client.execute(create)).getResult();
    assert.equal(result.status, "success");
    assert.equal(result.listType, "objects");
    assert.equal(result.data.length, 1);
    assert.match(String(result.data[0]["RECORDNO"]), /^\d+$/);
    assert.equal(result.data[0]["CUSTOMERID"], `SDK-${runId}`);
  }],
  ["pages through customers with readByQuery and readMore (session from getAPISession)", async () => {
    const session = await IA.SessionProvider.factory(config());
    assert.ok(session.sessionId, "a session id");
    assert.match(session.endpointUrl, /intacct\.com:\d+\/ia\/xml\/xmlgw\.phtml$/);
    const sessionClient = new IA.OnlineClient(session);
    const query = new IA.Functions.Common.ReadByQuery();
    query.objectName = "CUSTOMER";
    query.fields = ["RECORDNO", "CUSTOMERID", "NAME"];
    query.pageSize = 2;
    let result = (await sessionClient.execute(query)).getResult();
    const total = result.totalCount;
    assert.ok(total >= 6, `seeded customers + ours, got ${total}`);
    assert.equal(result.count, 2);
    assert.equal(result.numRemaining, total - 2);
    const ids = result.data.map((row) => row["CUSTOMERID"]);
    while (result.numRemaining > 0) {
      const more = new IA.Functions.Common.ReadMore();
      more.resultId = result.resultId;
      result = (await sessionClient.execute(more)).getResult();
      assert.equal(result.functionName, "readMore");
      ids.push(...result.data.map((row) => row["CUSTOMERID"]));
    }
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total, "no row twice");
    assert.ok(ids.includes(`SDK-${runId}`));
  }],
  ["creates an AR invoice with create_invoice and reads it back", async () => {
    const result = (await client.execute(invoice(`INV-${runId}`))).getResult();
    assert.equal(result.status, "success");
    assert.match(result.key, /^\d+$/);
    const read = new IA.Functions.Common.ReadByQuery();
    read.objectName = "ARINVOICE";
    read.fields = ["RECORDNO", "RECORDID", "TOTALDUE", "STATE"];
    read.query = new IA.Functions.Common.Query.QueryString(`RECORDNO = ${result.key}`);
    const back = (await client.execute(read)).getResult();
    assert.equal(back.count, 1);
    assert.equal(back.data[0]["RECORDID"], `INV-${runId}`);
    assert.equal(back.data[0]["TOTALDUE"], "1234.50");
  }],
  ["surfaces gateway errors as the SDK's own ResultException", async () => {
    await assert.rejects(client.execute(invoice(`INV-${runId}`)), (error) => {
      assert.ok(error instanceof IA.Exceptions.ResultException, `got ${error && error.name}`);
      assert.ok(
        error.errors.some((e) => e.includes(`A transaction with the number 'INV-${runId}' already exists.`)),
        JSON.stringify(error.errors),
      );
      return true;
    });
    const more = new IA.Functions.Common.ReadMore();
    more.resultId = "6465763031NOTAREALRESULTID";
    await assert.rejects(client.execute(more), (error) => {
      assert.ok(error instanceof IA.Exceptions.ResultException);
      assert.ok(error.errors.some((e) => e.includes("invalid or expired resultId")), JSON.stringify(error.errors));
      return true;
    });
  }],
];

(async () => {
  let passed = 0;
  let failed = 0;
  for (const [name, run] of tests) {
    try {
      await run();
      passed += 1;
      console.log(`ok - ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`not ok - ${name}`);
      console.log(`  ${(error && error.stack) || error}`);
      if (error && error.errors) console.log(`  errors: ${JSON.stringify(error.errors)}`);
    }
  }
  console.log(`intacct-sdk fidelity: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
