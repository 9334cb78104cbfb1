import Foundation
import Testing

/// The query commands' shapes that scripts rely on (spec section 5): column names,
/// formats, open bounds, and errors.
struct QueryCLITests: OnDemoLedger {
  let demo: DemoLedger

  init() throws { demo = try DemoLedger() }

  @Test func inForceSpeaksEveryFormat() throws {
    let args = ["in-force", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--as-known-at", "2020-07-10T12:00:00-07:00"]
    let csv = try run(args + ["--format", "csv"])
    #expect(csv.lines.first == "policy,version,title,effective_from,effective_until,announced_at,body_sha256")
    #expect(csv.lines.count == 2)
    #expect(csv.lines[1].hasPrefix("mobile-devices,2,Mobile devices that access company email,2020-07-10T15:00:00Z,,2020-07-10T15:00:00Z,"))
    let json = try run(args + ["--format", "json"])
    let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
    #expect(rows.count == 1)
    #expect(rows[0]["version"] as? Int == 2)
    #expect(rows[0]["effective_until"] is NSNull)
    let jsonl = try run(args + ["--format", "jsonl"])
    #expect(jsonl.lines.count == 1)
    #expect(jsonl.lines[0].hasPrefix("{\"policy\":\"mobile-devices\",\"version\":2,"))
    let table = try run(args)
    #expect(table.lines.first?.hasPrefix("policy          version  title") == true)
    #expect(table.status == 0)
  }

  @Test func anEmptyResultIsAnEmptyArrayInJSONAndAHeaderInCSV() throws {
    let csv = try run(["in-force", "mobile-devices", "--at", "2019-01-01", "--format", "csv"])
    #expect(csv.stdout == "policy,version,title,effective_from,effective_until,announced_at,body_sha256\n")
    let json = try run(["in-force", "mobile-devices", "--at", "2019-01-01", "--format", "json"])
    #expect(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    #expect(json.status == 0)
  }

  @Test func anUnknownPolicyIsAnError() throws {
    let result = try run(["in-force", "nope", "--at", "now"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: no policy 'nope'\n")
  }

  @Test func inForceWithoutAKeyListsEveryPolicy() throws {
    let result = try run([
      "in-force", "--at", "2020-07-10T15:00:00-07:00", "--as-known-at", "2020-07-10T15:00:00-07:00", "--as-told-to", "E1004",
      "--format", "csv",
    ])
    #expect(result.lines.count == 2)
    #expect(result.lines[1].hasPrefix("mobile-devices,2,"))
    // The demo ends by resending the retraction to E1004 at 16:00: as known now, E1004 was told version 1.
    let now = try run(["in-force", "--at", "2020-07-10T17:00:00-07:00", "--as-told-to", "E1004", "--format", "csv"])
    #expect(now.lines[1].hasPrefix("mobile-devices,1,"))
    let nobody = try run(["in-force", "--at", "2020-07-10T17:00:00-07:00", "--as-told-to", "E1010"])
    #expect(nobody.status == 2)
    #expect(nobody.stdout.isEmpty)
    #expect(
      nobody.stderr
        == "policy-ledger: error: no employee 'E1010' in this ledger: not on the roster, and nothing was sent to them; did you mean 'E1001'?\n")
  }

  @Test func historyHasTheContractColumnsAndStatuses() throws {
    let result = try run(["history", "mobile-devices", "--format", "csv"])
    #expect(result.lines == [
      "policy,version,title,effective_from,effective_until,announced_at,status,corrected_by,applies_to",
      "mobile-devices,1,Mobile devices that access company email,2020-01-01T08:00:00Z,,2020-01-01T08:00:00Z,in_force,,all",
      "mobile-devices,2,Mobile devices that access company email,2020-07-10T15:00:00Z,,2020-07-10T15:00:00Z,void,R-2020-07-10-1400,all",
    ])
    let known = try run(["history", "mobile-devices", "--as-known-at", "2020-07-10T12:00:00-07:00", "--format", "csv"])
    #expect(known.lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[6] } == ["superseded", "in_force"])
  }

  @Test func timelinesOfAnEmployeeAndOfAPolicy() throws {
    let employee = try run(["timeline", "--employee", "E1004", "--format", "csv", "--tz", "America/Los_Angeles"])
    #expect(employee.lines == [
      "at,kind,id,policy,version,subject,status,target",
      "2020-07-10T08:00:00-07:00,notice,N-2020-07-10-0800,mobile-devices,2,Action required: remove TikTok from mobile devices,retracted,",
      "2020-07-10T08:30:00-07:00,acknowledgement,N-2020-07-10-0800,mobile-devices,2,Action required: remove TikTok from mobile devices,acknowledged,",
      "2020-07-10T16:00:00-07:00,retraction,R-2020-07-10-1400,mobile-devices,2,This morning's email to some of our employees was sent in error. There is no change to our policies right now with regard to TikTok.,sent,N-2020-07-10-0800",
    ])
    let before = try run(["timeline", "--employee", "E1001", "--as-known-at", "2020-07-10T12:00:00-07:00", "--format", "csv"])
    #expect(before.lines.count == 2)
    #expect(before.lines[1].hasSuffix(",sent,"))
    let policy = try run(["timeline", "--policy", "mobile-devices", "--from", "2020-07-10T14:00:00-07:00", "--to", "2020-07-10T14:00:00-07:00", "--format", "csv"])
    #expect(policy.lines.count == 2)
    #expect(policy.lines[1].hasPrefix("2020-07-10T21:00:00Z,retraction,R-2020-07-10-1400,mobile-devices,2,This morning's email"))
    #expect(policy.lines[1].hasSuffix(",sent,N-2020-07-10-0800"))
    // A policy's timeline lists its versions too, at their announced_at.
    let all = try run(["timeline", "--policy", "mobile-devices", "--format", "csv"])
    #expect(
      all.lines.dropFirst().filter { $0.contains(",version,") } == [
        "2020-01-01T08:00:00Z,version,mobile-devices@1,mobile-devices,1,Mobile devices that access company email,announced,",
        "2020-07-10T15:00:00Z,version,mobile-devices@2,mobile-devices,2,Mobile devices that access company email,void,",
      ])
  }

  @Test func outstandingListsWhoMissedTheRetraction() throws {
    let all = try run(["outstanding", "--as-known-at", "2020-07-10T15:00:00-07:00", "--format", "csv"])
    #expect(all.stdout == "notice,employee,correction,correction_kind\nN-2020-07-10-0800,E1004,R-2020-07-10-1400,retraction\n")
    // The demo's ending resends the retraction to E1004 at 16:00: nothing is outstanding now.
    let now = try run(["outstanding", "--format", "csv"])
    #expect(now.stdout == "notice,employee,correction,correction_kind\n")
    let before = try run(["outstanding", "--as-known-at", "2020-07-10T13:00:00-07:00", "--format", "csv"])
    #expect(before.stdout == "notice,employee,correction,correction_kind\n")
    let missing = try run(["outstanding", "--notice", "N404"])
    #expect(missing.status == 2)
    #expect(missing.stderr == "policy-ledger: error: no notice 'N404' in this ledger (list notices with 'policy-ledger notices')\n")
    // A correction's id is recorded: named as a correction, not as unknown.
    let correction = try run(["outstanding", "--notice", "R-2020-07-10-1400"])
    #expect(correction.status == 2 && correction.stdout.isEmpty)
    #expect(
      correction.stderr
        == "policy-ledger: error: 'R-2020-07-10-1400' is a correction, not a notice; give a notice's id (what it corrects: 'policy-ledger show R-2020-07-10-1400')\n"
    )
  }

  @Test func showPrintsOneEntryInFullInEveryFormat() throws {
    let table = try run(["show", "R-2020-07-10-1400"])
    #expect(table.stdout.contains("reason: sent in error"))
    #expect(table.stdout.contains("void_version: true"))
    // A version shows its bounds after known amendments, its status and corrections, and the recorded bounds beside them.
    let amend = try run([
      "correct", "amend", "--version", "mobile-devices@1", "--issued-at", "2020-08-01", "--effective-until", "2021-01-01",
      "--reason", "sunset", "--statement", "Version 1 ends with 2020.", "--no-recipients", "--id", "A-SUNSET",
    ])
    #expect(amend.status == 0, "\(amend.stderr)")
    let v1 = try run(["show", "mobile-devices@1", "--format", "json"])
    let v1Row = try #require((try JSONSerialization.jsonObject(with: Data(v1.stdout.utf8)) as? [[String: Any]])?.first)
    #expect(v1Row["effective_until"] as? String == "2021-01-01T00:00:00Z")
    #expect(v1Row["recorded_effective_until"] is NSNull)
    #expect(v1Row["corrected_by"] as? [String] == ["A-SUNSET"])
    #expect(v1Row["status"] as? String == "expired")
    let csv = try run(["show", "mobile-devices@2", "--format", "csv"])
    #expect(csv.stdout.contains(",void,R-2020-07-10-1400,"))
    #expect(csv.lines.first == "policy,version,title,body,effective_from,effective_until,recorded_effective_from,recorded_effective_until,announced_at,status,corrected_by,applies_to,body_sha256,by,recorded_at,seq,entry_hash")
    let json = try run(["show", "N-2020-07-10-0800", "--format", "json"])
    let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
    #expect(rows[0]["announces"] as? [String] == ["mobile-devices@2"])
    #expect(rows[0]["recipient_count"] as? Int == 4)
    #expect(rows[0]["resends"] as? Int == 0)
    #expect(rows[0]["recipients"] as? Int == 4)
    // The retraction's first delivery reached three; the demo's 16:00 resend reached E1004.
    // `show` gives the first delivery as recorded, and the later ones in columns after the others.
    let retraction = try run(["show", "R-2020-07-10-1400", "--format", "csv"])
    #expect(
      retraction.lines.first
        == "id,kind,notice,version,void_version,issued_at,statement,reason,effective_from,effective_until,recipient_count,recipients_sha256,by,recorded_at,seq,entry_hash,resends,recipients"
    )
    let retractionJSON = try run(["show", "R-2020-07-10-1400", "--format", "json"])
    let retractionRow = try #require((try JSONSerialization.jsonObject(with: Data(retractionJSON.stdout.utf8)) as? [[String: Any]])?.first)
    #expect(retractionRow["recipient_count"] as? Int == 3)
    #expect(retractionRow["resends"] as? Int == 1)
    #expect(retractionRow["recipients"] as? Int == 4)
    #expect(table.stdout.hasSuffix("\n          resends: 1\n       recipients: 4\n"))
    let missing = try run(["show", "mobile-devices@9"])
    #expect(missing.stderr == "policy-ledger: error: policy 'mobile-devices' has no version 9 (its latest is 2)\n")
  }

  @Test func exportsHaveTheContractColumns() throws {
    let expected: [String: String] = [
      "versions": "policy,version,title,body,effective_from,effective_until,announced_at,by,recorded_at,body_sha256,applies_to",
      "notices": "id,subject,body,sent_at,sender,channel,announces,by,recorded_at,body_sha256,recipient_count,recipients_sha256",
      "recipients": "notice,employee,sent_at,delivery",
      "corrections": "id,kind,notice,version,void_version,issued_at,statement,reason,effective_from,effective_until,by,recorded_at,recipient_count,recipients_sha256",
      "acks": "notice,employee,at,by,recorded_at",
      "employees": "employee,at,event,groups,by,recorded_at",
      "journal": "seq,recorded_at,kind,actor,payload,previous_hash,entry_hash",
    ]
    for (kind, header) in expected {
      let result = try run(["export", kind])
      #expect(result.status == 0)
      #expect(result.lines.first == header, "\(kind)")
    }
    let recipients = try run(["export", "recipients", "--output", dir.file("r.csv")])
    #expect(recipients.stdout.isEmpty)
    #expect(try String(contentsOfFile: dir.file("r.csv"), encoding: .utf8).split(separator: "\n").count == 10)
  }

  @Test func queriesLeaveTheLedgerFileUnchanged() throws {
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    for args in [["in-force", "--at", "now"], ["history", "mobile-devices"], ["verify"], ["head"], ["export", "journal"], ["timeline", "--employee", "E1001"]] {
      #expect(try run(args).status == 0)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }

  @Test func verifyAndHeadAgree() throws {
    let head = try run(["head"]).stdout.trimmingCharacters(in: .newlines)
    // The story's 5 entries, its roster's 7, the welcome email and the retraction's resend.
    #expect(head.hasPrefix("14:"))
    let verify = try run(["verify", "--expect", head])
    #expect(verify.stdout == "ok: 14 entries verified; head \(head)\n")
    let wrong = try run(["verify", "--expect", "14:" + String(repeating: "0", count: 64)])
    #expect(wrong.status == 1)
    #expect(wrong.stderr.hasPrefix("policy-ledger: error: verify failed: entry 14: its hash is "))
  }
}
