import KubeAPI
import Locking

/// The reflector's cache: the latest projected value of every object of one kind, fed by watch
/// events. A relist (after 410 Gone or a reconnect) is buffered and swapped in at once, and the
/// swap reports exactly which keys were added, changed or deleted, so a controller enqueues
/// those and nothing else (kube-rs's reflector protocol: Init → InitApply… → InitDone).
///
/// The projection runs on the way in so the cache holds only the fields the operator reads
/// (no managedFields, no unrelated spec). A projection that returns nil filters the object out;
/// if it was cached before, that counts as a deletion.
///
/// **Specialised where `Value` is known.** The store and its informer live in ControllerKit and
/// are generic, so the operator's calls ran unspecialised: every watch event paid generic
/// metadata lookups (the entry's class, `ObjectChange<Value>` and its payload tuple, the
/// dictionary) and value-witness calls. The per-event members (`get`, and `apply` through
/// `specialisedApply`) are therefore inlinable, and the inlinable `init` makes `specialisedApply` where the
/// caller's `Value` is concrete: the informer, generic itself, calls the caller's specialised copy.
public final class Store<Value: Sendable>: Sendable {
    /// Boxed: a dictionary keeps its values inline in a table up to twice its count, and a
    /// view is a few hundred bytes (10,000 GatewayAgentViews: 5.4 MB of table inline, 3.2 MB
    /// boxed). Replaced, never mutated.
    @usableFromInline final class Entry: Sendable {
        @usableFromInline let value: Value
        @usableFromInline let resourceVersion: String?
        @inlinable init(value: Value, resourceVersion: String?) {
            self.value = value
            self.resourceVersion = resourceVersion
        }
    }

    /// Everything that changes, behind the one lock: a locked state rather than an actor, so
    /// the informer applies an event and a reconcile reads a value without a hop to another
    /// executor (at 10,000 gateways, a hop per heartbeat). Projections run outside the lock.
    @usableFromInline struct State {
        @usableFromInline var entries: [ObjectKey: Entry] = [:]
        @usableFromInline var relistBuffer: [ObjectKey: Entry]?
        @usableFromInline var lastResourceVersion: String?
        @usableFromInline var skippedObjects = 0
        @inlinable init() {}
    }

    @usableFromInline let projection: @Sendable (JSONValue) -> Value?
    @usableFromInline let byteProjection: (@Sendable (ArraySlice<UInt8>) -> Value?)?
    @usableFromInline let isUnchanged: (@Sendable (Value, Value) -> Bool)?
    @usableFromInline let state: Locked<State>
    /// `applyInlined(_:)` as compiled where this store was made (see the type's comment).
    @usableFromInline let specialisedApply: @Sendable (Store<Value>, WatchEvent) -> ObjectChange<Value>?
    /// `apply(_:then:)`'s body, compiled likewise: the informer's per-event step holds no
    /// `ObjectChange<Value>` of its own (generic, it cost a metadata lookup and value-witness
    /// calls per event).
    @usableFromInline let specialisedApplyThen: @Sendable (Store<Value>, WatchEvent, @Sendable (ObjectChange<Value>) async -> Void) async -> Void

    /// The resourceVersion of the last list, event or bookmark applied: where a watch resumes.
    public var lastResourceVersion: String? { state.withLock { $0.lastResourceVersion } }
    /// Objects skipped because they had no name (bad input, counted rather than crashed on).
    public var skippedObjects: Int { state.withLock { $0.skippedObjects } }

    /// - Parameter isUnchanged: when given and it says two projections are equal, a MODIFIED
    ///   event or relist entry updates the cache silently (no change reported), so changes to
    ///   fields outside the projection cause no work.
    /// - Parameter byteProjection: the same projection read straight from an unparsed object's
    ///   bytes (`WatchEvent.unparsed`); nil when it cannot tell (anything unusual), and then
    ///   `projection` reads the parsed object. It must agree with `projection` wherever it answers.
    ///   An event whose view the watch already read (`WatchEvent.Unparsed.view`, of type `Value`)
    ///   is taken as it is: the watch's reader must be this same byte projection.
    @inlinable
    public init(projection: @escaping @Sendable (JSONValue) -> Value?,
                byteProjection: (@Sendable (ArraySlice<UInt8>) -> Value?)? = nil,
                isUnchanged: (@Sendable (Value, Value) -> Bool)? = nil) {
        self.projection = projection
        self.byteProjection = byteProjection
        self.isUnchanged = isUnchanged
        self.state = Locked(State())
        self.specialisedApply = { store, event in store.applyInlined(event) }
        self.specialisedApplyThen = { store, event, onChange in
            if let change = store.applyInlined(event) { await onChange(change) }
        }
    }

    // MARK: Reads

    @inlinable
    public func get(_ key: ObjectKey) -> Value? { state.withLock { $0.entries[key]?.value } }
    public var count: Int { state.withLock { $0.entries.count } }
    public var keys: [ObjectKey] { state.withLock { Array($0.entries.keys) }.sorted() }
    public func snapshot() -> [ObjectKey: Value] { state.withLock { $0.entries }.mapValues(\.value) }
    public func values(where predicate: (ObjectKey, Value) -> Bool = { _, _ in true }) -> [Value] {
        state.withLock { $0.entries }.filter { predicate($0.key, $0.value.value) }.sorted { $0.key < $1.key }.map(\.value.value)
    }
    public var isRelisting: Bool { state.withLock { $0.relistBuffer != nil } }

    // MARK: Watch events

    /// Applies one watch event; returns the change it made (nil when it made none).
    /// ERROR events are not the cache's business: the informer handles them before this.
    @discardableResult
    public func apply(_ event: WatchEvent) -> ObjectChange<Value>? { specialisedApply(self, event) }

    /// `apply(event)`, and `onChange` with the change when it made one.
    public func apply(_ event: WatchEvent, then onChange: @Sendable (ObjectChange<Value>) async -> Void) async {
        await specialisedApplyThen(self, event, onChange)
    }

    /// `apply`'s body, inlined into `init` (and so into `specialisedApply`) where `Value` is concrete.
    @inlinable
    func applyInlined(_ event: WatchEvent) -> ObjectChange<Value>? {
        let version = event.resourceVersion
        if let unparsed = event.unparsed, event.type != .bookmark, event.type != .error {
            let key = ObjectKey(namespace: unparsed.namespace, name: unparsed.name)
            let value = event.type == .deleted ? nil : project(unparsed)
            return state.withLock { s in
                if let version { s.lastResourceVersion = version }
                guard let value else { return Self.remove(key, from: &s) }
                return upsert(key, Entry(value: value, resourceVersion: version), into: &s)
            }
        }
        switch event.type {
        case .bookmark, .error:
            if let version { state.withLock { $0.lastResourceVersion = version } }
            return nil
        case .added, .modified:
            let key = ObjectKey(object: event.object)
            let value = key == nil ? nil : projection(event.object)
            return state.withLock { s in
                if let version { s.lastResourceVersion = version }
                guard let key else { s.skippedObjects += 1; return nil }
                guard let value else { return Self.remove(key, from: &s) }
                return upsert(key, Entry(value: value, resourceVersion: version), into: &s)
            }
        case .deleted:
            let key = ObjectKey(object: event.object)
            return state.withLock { s in
                if let version { s.lastResourceVersion = version }
                guard let key else { s.skippedObjects += 1; return nil }
                return Self.remove(key, from: &s)
            }
        }
    }

    // MARK: Relist

    /// Starts buffering a full list; the cache keeps serving the old set until `finishRelist`.
    public func beginRelist() { state.withLock { $0.relistBuffer = [:] } }

    /// Adds one listed object to the buffer (starts a relist if none was begun).
    public func relistApply(_ object: JSONValue) {
        guard let key = ObjectKey(object: object) else { return state.withLock { $0.skippedObjects += 1 } }
        let entry = projection(object).map {
            Entry(value: $0, resourceVersion: object[path: "metadata", "resourceVersion"]?.stringValue)
        }
        bufferListed(key, entry)
    }

    /// Adds one ADDED event of a streaming list to the buffer, read from its bytes when the
    /// event kept them (as `apply` does).
    public func relistApply(_ event: WatchEvent) {
        guard let unparsed = event.unparsed else { return relistApply(event.object) }
        let key = ObjectKey(namespace: unparsed.namespace, name: unparsed.name)
        bufferListed(key, project(unparsed).map { Entry(value: $0, resourceVersion: unparsed.resourceVersion) })
    }

    /// Drops a relist that will not be finished (a streaming list cut before its end); the cache
    /// keeps the old set.
    public func abandonRelist() { state.withLock { $0.relistBuffer = nil } }

    /// Adds one page of listed objects to the buffer.
    public func relistApply(contentsOf objects: [JSONValue]) {
        for object in objects { relistApply(object) }
    }

    /// Swaps the buffered list in and reports the differences from the previous set, sorted by key.
    @discardableResult
    public func finishRelist(resourceVersion: String?) -> [ObjectChange<Value>] {
        let (entries, fresh) = state.withLock { s -> ([ObjectKey: Entry], [ObjectKey: Entry]) in
            let fresh = s.relistBuffer ?? [:]
            s.relistBuffer = nil
            if let resourceVersion { s.lastResourceVersion = resourceVersion }
            defer { s.entries = fresh }
            return (s.entries, fresh)
        }
        // Compared outside the lock (readers see the new set already; the old one is ours now).
        // Keys are sorted, not changes: sorting 20,000 changes moved two views per swap (a
        // tenth of the operator's CPU while listing 10,000 gateways' pods).
        var keys = entries.keys.filter { fresh[$0] == nil }
        keys.append(contentsOf: fresh.keys)
        keys.sort()
        var changes: [ObjectChange<Value>] = []
        changes.reserveCapacity(keys.count)
        for key in keys {
            switch (entries[key], fresh[key]) {
            case let (old?, new?): if !isSame(old, new) { changes.append(.updated(key, old: old.value, new: new.value)) }
            case let (old?, nil): changes.append(.deleted(key, old.value))
            case let (nil, new?): changes.append(.added(key, new.value))
            case (nil, nil): break
            }
        }
        return changes
    }

    /// A whole list at once: `beginRelist` + `relistApply` each + `finishRelist`.
    @discardableResult
    public func replace(with items: [JSONValue], resourceVersion: String?) -> [ObjectChange<Value>] {
        beginRelist()
        for item in items { relistApply(item) }
        return finishRelist(resourceVersion: resourceVersion)
    }

    /// Empties the cache (an optional resource went away); reports every key as deleted.
    @discardableResult
    public func removeAll() -> [ObjectChange<Value>] {
        let entries = state.withLock { s -> [ObjectKey: Entry] in
            defer { s.entries.removeAll(); s.relistBuffer = nil }
            return s.entries
        }
        return entries.map { ObjectChange<Value>.deleted($0.key, $0.value.value) }.sorted { $0.key < $1.key }
    }

    // MARK: Internals

    /// An unparsed object's value: the view the watch read with its identity (one pass over the
    /// bytes, `WatchObjectReader`), else `byteProjection`'s, else the tree's.
    @inlinable
    func project(_ unparsed: WatchEvent.Unparsed) -> Value? {
        if let view = unparsed.view as? Value { return view }
        return byteProjection?(unparsed.bytes) ?? projection(unparsed.parsed)
    }

    /// A listed object into the relist buffer (started if none was begun); nil: filtered out.
    private func bufferListed(_ key: ObjectKey, _ entry: Entry?) {
        state.withLock { s in
            if s.relistBuffer == nil { s.relistBuffer = [:] }
            if let entry { s.relistBuffer?[key] = entry }
        }
    }

    @inlinable
    func upsert(_ key: ObjectKey, _ entry: Entry, into s: inout State) -> ObjectChange<Value>? {
        let old = s.entries.updateValue(entry, forKey: key)
        guard let old else { return .added(key, entry.value) }
        return isSame(old, entry) ? nil : .updated(key, old: old.value, new: entry.value)
    }

    @inlinable
    static func remove(_ key: ObjectKey, from s: inout State) -> ObjectChange<Value>? {
        s.entries.removeValue(forKey: key).map { .deleted(key, $0.value) }
    }

    /// Same resourceVersion means the same object; otherwise ask `isUnchanged` if given.
    @inlinable
    func isSame(_ old: Entry, _ new: Entry) -> Bool {
        if let a = old.resourceVersion, let b = new.resourceVersion, a == b { return true }
        return isUnchanged?(old.value, new.value) ?? false
    }
}
