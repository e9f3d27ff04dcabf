import CYAML

/// One libyaml event, copied out of C memory so that it outlives `yaml_event_delete`.
enum YAMLEvent {
    case documentStart
    case documentEnd
    case scalar(text: String, anchor: String?, tag: String?, plain: Bool)
    case alias(anchor: String)
    case sequenceStart(anchor: String?, tag: String?)
    case sequenceEnd
    case mappingStart(anchor: String?, tag: String?)
    case mappingEnd
    case streamEnd
}

/// Pulls events from libyaml's event parser over an in-memory UTF-8 buffer. libyaml's parser
/// is a state machine (no recursion), so deep input cannot overflow the C stack; nesting depth
/// is bounded by the tree builder.
final class EventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let source: String?

    init(text: String, source: String?) throws(YAMLError) {
        self.source = source
        parser = .allocate(capacity: 1)
        // A leading byte order mark (editors on Windows write one) is not content: libyaml
        // skips it only when it detects the encoding itself, and here the encoding is set.
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) == 1 else {
            input.deallocate()
            parser.deallocate()
            throw YAMLError(kind: .syntax, source: source, line: 0, column: 0, problem: "could not initialize the YAML parser")
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event and where it starts (1-based line and column).
    func next() throws(YAMLError) -> (event: YAMLEvent, line: Int, column: Int) {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserError() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        let converted: YAMLEvent
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return try next()
        case YAML_STREAM_END_EVENT: converted = .streamEnd
        case YAML_DOCUMENT_START_EVENT: converted = .documentStart
        case YAML_DOCUMENT_END_EVENT: converted = .documentEnd
        case YAML_ALIAS_EVENT:
            converted = .alias(anchor: Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(s.length)), as: UTF8.self) } ?? ""
            converted = .scalar(text: text, anchor: Self.string(s.anchor), tag: Self.string(s.tag), plain: s.style == YAML_PLAIN_SCALAR_STYLE)
        case YAML_SEQUENCE_START_EVENT:
            converted = .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor), tag: Self.string(event.data.sequence_start.tag))
        case YAML_SEQUENCE_END_EVENT: converted = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            converted = .mappingStart(anchor: Self.string(event.data.mapping_start.anchor), tag: Self.string(event.data.mapping_start.tag))
        case YAML_MAPPING_END_EVENT: converted = .mappingEnd
        default:
            throw YAMLError(kind: .syntax, source: source, line: line, column: column, problem: "unexpected parser event")
        }
        return (converted, line, column)
    }

    private func parserError() -> YAMLError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = p.context.map { String(cString: $0) }
        let mark = p.problem_mark
        let contextLine = Int(p.context_mark.line) + 1
        let text = context.map { "\(problem) (\($0) started at line \(contextLine))" } ?? problem
        return YAMLError(kind: .syntax, source: source, line: Int(mark.line) + 1, column: Int(mark.column) + 1, problem: text)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }
}
