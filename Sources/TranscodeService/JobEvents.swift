import Foundation
import Synchronization
import VODKit

/// `GET /api/jobs/events`: the spool as Server-Sent Events (text/event-stream). One event
/// per change of any upload, incoming file, job, done or failed record (progress ticks
/// included), each with an id; a client reconnecting with `Last-Event-ID` gets what it
/// missed (the last 1,000 events), else a fresh snapshot. A comment every 15 s keeps
/// proxies from closing an idle stream. The spool is read every half second by one thread,
/// however many watch.
public final class JobEvents: Sendable {
    /// One entry of the spool, as an event's data. `removed`: it left (a file claimed, an upload finished).
    public struct Entry: Codable, Equatable, Sendable {
        public var key: String
        public var kind: String
        public var removed: Bool?
        public var upload: UploadStatus?
        public var incoming: JobsDocument.Incoming?
        public var claimed: JobsDocument.Claimed?
        public var done: JobsDocument.Done?
        public var failed: FailureRecord?
    }

    private struct State {
        /// What subscribers were last told, by key (nil until someone subscribes).
        var current: [String: [UInt8]]?
        var recent: [(id: Int, text: [UInt8])] = []
        var nextID = 1
        var subscribers: [BodyPipe] = []
        /// The listener is stopping: streams end (and new ones end at once).
        var closed = false
    }

    let spool: Spool
    let uploads: UploadStore?
    private let state = Mutex(State())
    static let keep = 1000

    public init(spool: Spool, uploads: UploadStore?) {
        self.spool = spool
        self.uploads = uploads
    }

    /// Watches the spool every half second for as long as this object exists.
    public func start() {
        Thread { [weak self] in
            var ticks = 0
            while let events = self {
                ticks += 1
                events.tick(heartbeat: ticks % 30 == 0)
                Thread.sleep(forTimeInterval: 0.5)
            }
        }.start()
    }

    /// A new subscriber's stream (reads the spool: call it on a worker).
    public func subscribe(lastEventID: Int?) -> BodyPipe {
        let pipe = BodyPipe(length: nil, capacity: 1 << 20, stallSeconds: 60)
        let fresh = snapshot()
        let first = state.withLock { s -> [UInt8] in
            s.subscribers.append(pipe)
            if s.current == nil { s.current = fresh }
            var text: [UInt8] = Array("retry: 2000\n\n".utf8)
            if let last = lastEventID, last == s.nextID - 1 {
                // Nothing happened since.
            } else if let last = lastEventID, let oldest = s.recent.first?.id, last >= oldest - 1, last < s.nextID {
                for event in s.recent where event.id > last { text += event.text }
            } else {
                // A snapshot: every entry as last sent, under the id of the latest event.
                for (_, data) in (s.current ?? [:]).sorted(by: { $0.key < $1.key }) { text += Self.event(id: s.nextID - 1, data: data) }
            }
            return text
        }
        _ = pipe.offer(first)
        if state.withLock({ $0.closed }) { pipe.finish() }
        return pipe
    }

    /// Ends every stream cleanly (a client reconnects with `Last-Event-ID` to whichever
    /// transcoder is up), so stopping the listener does not wait for them.
    public func close() {
        let streams = state.withLock { s -> [BodyPipe] in
            s.closed = true
            defer { s.subscribers = [] }
            return s.subscribers
        }
        streams.forEach { $0.finish() }
    }

    static func event(id: Int, data: [UInt8]) -> [UInt8] { Array("id: \(id)\nevent: spool\ndata: ".utf8) + data + Array("\n\n".utf8) }

    /// Every entry of the spool now, by key.
    func snapshot() -> [String: [UInt8]] {
        var entries: [Entry] = []
        let fm = FileManager.default
        func list(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted() }
        if let uploads {
            for id in list(uploads.root) {
                guard let record = JSONDecoder.read(UploadRecord.self, at: "\(uploads.root)/\(id)/info.json") else { continue }
                entries.append(Entry(key: "upload:\(id)", kind: "upload", upload: UploadStatus(record, spool: spool)))
            }
        }
        let document = StatusHandler.document(spool)
        entries += document.incoming.map { Entry(key: "incoming:\($0.name)", kind: "incoming", incoming: $0) }
        entries += document.claimed.map { Entry(key: "job:\($0.job)", kind: "claimed", claimed: $0) }
        entries += document.done.map { Entry(key: "done:\($0.job)", kind: "done", done: $0) }
        entries += document.failed.map { Entry(key: "failed:\($0.job)", kind: "failed", failed: $0) }
        return Dictionary(entries.map { ($0.key, APIJSON.encode($0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// Compares the spool with what was last sent and tells every subscriber what changed;
    /// drops subscribers that are gone or too slow.
    func tick(heartbeat: Bool) {
        guard state.withLock({ !$0.subscribers.isEmpty }) else { return }
        let now = snapshot()
        state.withLock { s in
            var text: [UInt8] = []
            let before = s.current ?? [:]
            for (key, data) in now.sorted(by: { $0.key < $1.key }) where before[key] != data {
                text += record(&s, data)
            }
            for key in before.keys.sorted() where now[key] == nil {
                text += record(&s, APIJSON.encode(Entry(key: key, kind: String(key.prefix { $0 != ":" }), removed: true)))
            }
            s.current = now
            if text.isEmpty && heartbeat { text = Array(": keep-alive\n\n".utf8) }
            guard !text.isEmpty else { return }
            s.subscribers = s.subscribers.filter { $0.offer(text) }
        }
    }

    private func record(_ s: inout State, _ data: [UInt8]) -> [UInt8] {
        let text = Self.event(id: s.nextID, data: data)
        s.recent.append((s.nextID, text))
        if s.recent.count > Self.keep { s.recent.removeFirst(s.recent.count - Self.keep) }
        s.nextID += 1
        return text
    }
}
