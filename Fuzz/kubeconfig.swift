// libFuzzer harness: arbitrary bytes as a kubeconfig → parsed, checked and merged into a
// ClusterConfig. No network, and no exec plugin runs (credentials are not asked for). Any input
// must give a config or a KubeConfigError. Built by scripts/fuzz.sh kubeconfig.
import Foundation
import KubeClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    // Relative certificate and token paths resolve into a folder that does not exist.
    let origin = "/nonexistent-gateway-medic-fuzz/kubeconfig"
    _ = try? KubeConfigLoader.load(yaml: text, origin: origin, environment: ["HOME": "/nonexistent-gateway-medic-fuzz"])
    _ = try? KubeConfigLoader.load(yaml: text, origin: origin, context: "fuzz", environment: [:])
    return 0
}
