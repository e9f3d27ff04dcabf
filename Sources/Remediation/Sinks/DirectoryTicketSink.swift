import Foundation

/// Writes each draft as `<id>.md` and `<id>.json` in a folder (`--ticket-dir`). Each file is
/// replaced atomically (written aside, then renamed), so a reader never sees half a ticket.
public struct DirectoryTicketSink: TicketSink {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The sink the settings ask for: nil without a folder (`tickets.directory`, `--ticket-dir`).
    public var name: String { "directory" }

    public static func make(directory: String?) -> DirectoryTicketSink? {
        guard let directory, !directory.isEmpty else { return nil }
        return DirectoryTicketSink(path: directory)
    }

    public func open(_ draft: TicketDraft) async throws { try write(draft) }

    public func update(_ draft: TicketDraft) async throws { try write(draft) }

    /// Writes both files, whether they exist or not (a rename replaces them).
    private func write(_ draft: TicketDraft) throws {
        try checkID(draft.id)
        try ensureFolder()
        try store(TicketRenderer.json(draft), as: "\(draft.id).json")
        try store(TicketRenderer.markdown(draft), as: "\(draft.id).md")
    }

    public func remove(id: String) async throws {
        try checkID(id)
        for name in ["\(id).md", "\(id).json"] {
            let file = url(name)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            do { try FileManager.default.removeItem(at: file) } catch {
                throw TicketSinkError.io(path: file.path, message: error.localizedDescription)
            }
        }
    }

    /// Every draft stored in the folder (files that are not drafts are ignored).
    public func loadAll() throws -> [TicketDraft]? {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw TicketSinkError.io(path: path, message: error.localizedDescription)
        }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: url(name).path) else { return nil }
            return TicketRenderer.draft(fromJSON: String(decoding: data, as: UTF8.self))
        }
    }

    private func url(_ name: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(name) }

    /// Ids come from `TicketDraft.makeID`; anything else could name a file outside the folder.
    private func checkID(_ id: String) throws {
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw TicketSinkError.io(path: path, message: "\"\(id.prefix(80))\" is not a ticket id")
        }
    }

    private func ensureFolder() throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw TicketSinkError.io(path: path, message: error.localizedDescription)
        }
    }

    private func store(_ text: String, as name: String) throws {
        let file = url(name)
        do { try Data(text.utf8).write(to: file, options: .atomic) } catch {
            throw TicketSinkError.io(path: file.path, message: error.localizedDescription)
        }
    }
}
