import SkiffClient

extension Requeue {
    /// Requeue after `seconds` derived from outside input (deadlines, TTLs, schedules): at least
    /// 1 ms and at most a day (the key is simply looked at again then), so no value can
    /// overflow the conversion to a Duration.
    static func afterSeconds(_ seconds: Double) -> Requeue {
        let clamped = seconds.isFinite ? min(max(seconds, 0.001), 86_400) : 86_400
        return .after(.milliseconds(Int(clamped * 1000) + 1))
    }
}
