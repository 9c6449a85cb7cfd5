#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A fixed set of threads running blocking work (cold file reads, big segments,
/// fsync) handed over by the event loops, first in first out.
public final class WorkerPool: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var ready = pthread_cond_t()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    private let finished = DispatchGroup()

    public init(threads: Int) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&ready, nil)
        for _ in 0..<max(1, threads) {
            finished.enter()
            let thread = Thread { [self] in work(); finished.leave() }
            thread.name = "vod-http-worker"
            thread.start()
        }
    }

    public func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(&mutex)
        jobs.append(job)
        pthread_cond_signal(&ready)
        pthread_mutex_unlock(&mutex)
    }

    /// Runs what is queued, then ends the threads and waits for them.
    public func stop() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_broadcast(&ready)
        pthread_mutex_unlock(&mutex)
        finished.wait()
    }

    private func work() {
        while true {
            pthread_mutex_lock(&mutex)
            while head == jobs.count && !stopping { pthread_cond_wait(&ready, &mutex) }
            if head == jobs.count { pthread_mutex_unlock(&mutex); return }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            pthread_mutex_unlock(&mutex)
            job()
        }
    }
}
