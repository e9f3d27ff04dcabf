// libFuzzer harness: arbitrary bytes as YAML text → libyaml events → nodes → JSON values, and
// what parsed is emitted and read back. Any input must parse or throw a YAMLError. Built by
// scripts/fuzz.sh yaml.
import KubeAPI
import YAML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    // Invalid UTF-8 is repaired the way a String read from a file would be.
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    let limits = YAMLLimits(maxDepth: 512, maxNodes: 200_000)
    guard let documents = try? YAML.parse(text, source: "fuzz", limits: limits) else { return 0 }
    _ = try? YAML.parseSingle(text, source: "fuzz", limits: limits)
    // Round trip: what the emitter writes must read back as the same values.
    let emitted = YAML.emit(documents: documents)
    guard let again = try? YAML.parse(emitted, source: "emitted", limits: YAMLLimits(maxDepth: 1024, maxNodes: 10_000_000)) else {
        fatalError("emitted YAML does not parse:\n\(emitted)")
    }
    // Compared as emitted text: NaN is not equal to itself as a value.
    if YAML.emit(documents: again) != emitted {
        fatalError("YAML round trip changed the value:\n\(emitted)\n→\n\(YAML.emit(documents: again))")
    }
    return 0
}
