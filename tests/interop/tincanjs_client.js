// TinCanJS (Rustici's xAPI client, npm `tincanjs`) run with node against a real Learnfolio server.
// usage: node tincanjs_client.js ENDPOINT KEY SECRET MODE
//   attachment   save a statement with an attachment, read it back with attachments=true
//   leap-second  save a statement stamped in the leap second of 30 June 2015, read it back
// Prints one JSON line: what TinCanJS made of the LRS's answers.
"use strict";

const crypto = require("crypto");
const TinCan = require("tincanjs");

const [endpoint, username, password, mode] = process.argv.slice(2);
const content = "Notes from a TinCanJS client.\n";
const sha2 = crypto.createHash("sha256").update(content).digest("hex");

const lrs = new TinCan.LRS({ endpoint, username, password, allowFail: false });
const statement = new TinCan.Statement({
  id: TinCan.Utils.getUUID(),
  actor: { mbox: "mailto:ada@example.org", name: "Ada" },
  verb: { id: "http://adlnet.gov/expapi/verbs/experienced", display: { "en-US": "experienced" } },
  target: { id: "http://example.org/activities/reading" },
});
if (mode === "attachment") {
  statement.attachments = [new TinCan.Attachment({
    usageType: "http://example.org/attachment-usage/notes",
    display: { "en-US": "notes" },
    contentType: "text/plain",
    content,
  })];
} else if (mode === "leap-second") {
  statement.timestamp = "2015-06-30T23:59:60Z";
} else {
  throw new Error(`unknown mode ${mode}`);
}

function finish(report) {
  process.stdout.write(JSON.stringify(report) + "\n");
}

lrs.saveStatement(statement, {
  callback: (err, xhr) => {
    if (err !== null) {
      finish({ step: "saveStatement", error: String(err), status: xhr && xhr.status,
               body: xhr && xhr.responseText });
      return;
    }
    lrs.retrieveStatement(statement.id, {
      params: { attachments: mode === "attachment" },
      callback: (err, result) => {
        if (err !== null) {
          finish({ step: "retrieveStatement", error: String(err) });
          return;
        }
        const attachments = (result.attachments || []).map((a) => ({
          sha2: a.sha2,
          contentType: a.contentType,
          content: a.content === null || a.content === undefined
            ? null : Buffer.from(a.content).toString("utf8"),
        }));
        finish({ step: "done", id: result.id, timestamp: result.timestamp, sent_sha2: sha2, attachments });
      },
    });
  },
});
