import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A fixed set of threads running blocking work (cold file reads, big segments,
/// fsync) handed over by the event loops, first in first out.
public final class WorkerPool: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopping = false
    }
    private let queue = Mutex(Queue())
    /// One signal per job queued (and one per thread at stop): a thread waits here for work.
    private let ready = DispatchSemaphore(value: 0)
    private let threads: Int
    private let finished = DispatchGroup()

    public init(threads: Int) {
        self.threads = max(1, threads)
        for _ in 0..<self.threads {
            finished.enter()
            let thread = Thread { [self] in work(); finished.leave() }
            thread.name = "vod-http-worker"
            thread.start()
        }
    }

    public func submit(_ job: @escaping @Sendable () -> Void) {
        queue.withLock { $0.jobs.append(job) }
        ready.signal()
    }

    /// Runs what is queued, then ends the threads and waits for them.
    public func stop() {
        queue.withLock { $0.stopping = true }
        for _ in 0..<threads { ready.signal() }
        finished.wait()
    }

    private func work() {
        while true {
            ready.wait()
            let (next, stopping) = queue.withLock { q -> ((@Sendable () -> Void)?, Bool) in
                guard q.head < q.jobs.count else { return (nil, q.stopping) }
                let job = q.jobs[q.head]
                q.head += 1
                if q.head > 64 && q.head * 2 > q.jobs.count { q.jobs.removeFirst(q.head); q.head = 0 }
                return (job, q.stopping)
            }
            guard let job = next else {
                if stopping { return }  // a stop signal, nothing left to run
                continue
            }
            job()
        }
    }
}
