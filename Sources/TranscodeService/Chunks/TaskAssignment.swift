import Foundation

/// What `POST /api/tasks/claim` gives a remote worker: one chunk task, how to encode it,
/// where to read the source (byte ranges, with the task's key) and the URLs to report to.
public struct TaskAssignment: Codable, Equatable, Sendable {
    public var job: String
    public var task: String
    public var plan: ChunkPlan
    public var settings: EncodeSettings
    /// The task's secret: every later request about it carries `?key=`.
    public var key: String
    /// `/api/tasks/<job>/<task>` (then `/source`, `/heartbeat`, `/files/<name>`, `/complete`, `/fail`).
    public var base: String
    /// A heartbeat at least this often keeps the task; silent longer, it goes to another worker.
    public var leaseSeconds: Double

    /// What the task makes (nil: a task the plan does not have).
    public var work: ChunkPlan.Work? { plan.work(task) }
}

/// A remote worker's report that a task failed for a reason in its input.
public struct TaskFailure: Codable, Equatable, Sendable {
    public var stage: TranscodeError.Stage
    public var reason: String
    public var libav: String?
}
