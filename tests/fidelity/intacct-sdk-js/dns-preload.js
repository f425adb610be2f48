// Resolve the sandbox's *.intacct.com name to 127.0.0.1 inside this process only.
//
// The official SDK refuses endpoints outside the intacct.com domain (Credentials/Endpoint.js),
// so the test points it at http://sandbox.intacct.com:<port>/ia/xml/xmlgw.phtml and this preload
// (node --require ./dns-preload.js) answers the lookup. /etc/hosts is never touched.
"use strict";

const dns = require("dns");

const NAME = process.env.INTACCT_SANDBOX_HOST || "sandbox.intacct.com";
const originalLookup = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  if (hostname !== NAME) {
    return originalLookup.apply(this, arguments);
  }
  if (typeof options === "function") {
    callback = options;
    options = {};
  } else if (typeof options === "number") {
    options = { family: options };
  }
  if (options && options.all) {
    process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
  } else {
    process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return {};
};
