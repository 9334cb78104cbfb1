/// The ids the journal has given so far, for `verify`'s replay: a notice or correction id
/// (they share one id space) may appear only once. Recording refuses a repeat through the
/// tables' UNIQUE indexes; the replay does not trust those indexes (a damaged one lets a
/// repeat through), so it keeps the ids itself, compared as exact bytes.
struct ReplayIDs {
  private var messages: [[UInt8]: Int64] = [:]

  /// Notes the entry's id; a description of the problem when an earlier entry had it.
  mutating func admit(_ payload: EntryPayload, entry seq: Int64) -> String? {
    let id: String
    switch payload {
    case .notice(let notice): id = notice.id
    case .correction(let correction): id = correction.id
    case .version, .ack, .roster, .resend, .rosterImport: return nil
    }
    let key = Array(id.utf8)
    if let earlier = messages[key] {
      return "its id '\(Identifier.printable(id))' is already entry \(earlier)'s (ids are unique)"
    }
    messages[key] = seq
    return nil
  }
}
