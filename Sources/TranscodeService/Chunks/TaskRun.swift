import Foundation

extension ChunkPlan.Work {
    /// Makes the task's files from `source` into `directory` (the same for a worker on the
    /// spool and a remote one); `percent` hears how far it is. The time of a video chunk's
    /// first frame on the whole timeline, nil for other tasks.
    func run(source: String, info: SourceInfo, settings: EncodeSettings, directory: String, isCancelled: @escaping () -> Bool,
             percent: @escaping (Double) -> Void) throws(TranscodeError) -> Double? {
        let rounded = { (fraction: Double) in (1000 * min(1, max(0, fraction))).rounded() / 10 }
        if !downloads.isEmpty {
            _ = try DownloadPipeline(source: source, info: info, versions: downloads, settings: settings, directory: directory,
                                     isCancelled: isCancelled) { p in percent(rounded(p.percent / 100)) }.run()
            return nil
        }
        let window = self.window
        let pipeline = Pipeline(source: source, info: info, rungs: rungs, settings: settings, directory: directory, window: window,
                                includeAudio: includeAudio, isCancelled: isCancelled) { p in
            let share = window.map { w in (w.end ?? p.duration) - w.start } ?? p.duration
            let done = window.map { p.seconds - $0.start } ?? p.seconds
            percent(share > 0 ? rounded(done / share) : 0)
        }
        _ = try pipeline.run()
        return pipeline.firstFrameSeconds
    }
}
