import KubeAPI

/// Test controls: injected failures, slowness, aborted watches, and the request log.
extension EmulatedAPIServer {
    /// The next `n` HTTP requests matching `matching` fail with `status` (a Status body, and a
    /// `Retry-After` header when `retryAfter` is given). Rules queue up in call order.
    public func failNext(_ n: Int, status: Int, retryAfter: Int? = nil, matching: RequestMatcher = .any) {
        guard n > 0 else { return }
        control.withLock { $0.faults.append(FaultRule(remaining: n, status: status, retryAfter: retryAfter, matcher: matching)) }
    }

    /// The next `n` HTTP requests matching `matching` get `status` with `body` as the
    /// (`application/json`-labelled) body, verbatim: a misbehaving server for client tests.
    public func serveRawNext(_ n: Int, status: Int = 200, body: String, matching: RequestMatcher = .any) {
        guard n > 0 else { return }
        serveRawNext(n, status: status, bytes: Array(body.utf8), matching: matching)
    }

    /// As `serveRawNext(_:status:body:matching:)` with the body as bytes, which may be anything
    /// (invalid UTF-8 included): a server or proxy that corrupts what it relays.
    public func serveRawNext(_ n: Int, status: Int = 200, bytes: [UInt8], matching: RequestMatcher = .any) {
        guard n > 0 else { return }
        control.withLock { $0.faults.append(FaultRule(remaining: n, status: status, retryAfter: nil, matcher: matching, rawBody: bytes)) }
    }

    /// Drops every pending injected failure.
    public func clearFaults() {
        control.withLock { $0.faults.removeAll() }
    }

    /// Delays every HTTP response by `delay` (`.zero` turns it off).
    public func delayResponses(by delay: Duration) {
        control.withLock { $0.delay = delay }
    }

    /// Serves, refuses or ignores streaming lists from now on (`EmulatorConfiguration.streamingLists`).
    public func serveStreamingLists(_ mode: EmulatorConfiguration.StreamingLists) {
        control.withLock { $0.streamingLists = mode }
    }

    /// Aborts every open HTTP watch mid-stream by closing its connection (TCP-level, no final
    /// chunk). Returns how many watches were cut.
    @discardableResult
    public func cutAllWatches() -> Int {
        let watches = control.withLock { state -> [ActiveWatch] in
            defer { state.watches.removeAll() }
            return Array(state.watches.values)
        }
        for w in watches {
            w.connection.close(promise: nil)
            w.watch.cancel()
        }
        return watches.count
    }

    /// Arms every open HTTP watch to be cut in the middle of its next line (an event or a
    /// bookmark): the first half of the line is sent, then the connection is closed, as when a
    /// link drops mid-transfer. Returns how many watches were armed; `midLineCutCount` counts
    /// the cuts made.
    @discardableResult
    public func cutWatchesMidLine() -> Int {
        let watches = control.withLock { Array($0.watches.values) }
        for w in watches { w.midLineCut.armed.withLock { $0 = true } }
        return watches.count
    }

    /// Watches cut in the middle of a line so far.
    public var midLineCutCount: Int { control.withLock { $0.midLineCuts } }

    /// How many HTTP watches are streaming now.
    public var openWatchCount: Int { control.withLock { $0.watches.count } }

    /// HTTP requests answered since the last reset, oldest first (the newest
    /// `EmulatorConfiguration.requestLogLimit` of them).
    public var requestLog: [RequestRecord] { control.withLock { $0.log } }

    /// Client writes over HTTP (create/update/patch/delete/deletecollection, evictions included)
    /// that reached the API, whatever their outcome. Writes through `store` are not counted.
    public var writeCount: Int { control.withLock { $0.writes } }

    public func resetRequestLog() {
        control.withLock { state in
            state.log.removeAll()
            state.writes = 0
        }
    }

    /// Sends a BOOKMARK now on every watch that asked for bookmarks.
    public func sendBookmarks() { store.sendBookmarks() }

    /// Forgets history up to now: watches and continue tokens from before get 410 Gone.
    public func compact() { store.compact() }

    /// Makes evictions of a pod fail with 429 (as a PodDisruptionBudget would), or succeed again.
    public func setEvictionRefused(_ refused: Bool, namespace: String, name: String) {
        store.setEvictionRefused(refused, namespace: namespace, name: name)
    }
}
