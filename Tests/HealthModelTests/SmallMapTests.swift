import Testing
@testable import HealthModel

@Suite struct SmallMapTests {
    @Test func readsWritesAndRemovesLikeADictionary() {
        var map: SmallMap<Int> = [:]
        var reference: [String: Int] = [:]
        // Keys inserted out of order, overwritten and removed: the map must agree with a Dictionary.
        let steps: [(String, Int?)] = [("vpc:b", 1), ("peering:a->b", 2), ("vpc:a", 3), ("vpc:b", 4), ("vpc:a", nil),
                                       ("missing", nil), ("", 5), ("vpc:c", 6), ("peering:a->b", nil)]
        for (key, value) in steps {
            map[key] = value
            reference[key] = value
            #expect(map.count == reference.count)
            for (k, v) in reference { #expect(map[k] == v, "after setting \(key)") }
        }
        #expect(map["vpc:a"] == nil)
        #expect(Array(map.map(\.key)) == reference.keys.sorted(), "iterates in key order")
        #expect(map.mapValues { $0 * 10 } == reference.mapValues { $0 * 10 })
    }

    /// Built whole from pairs in any order, the last of a repeated key winning, as a Dictionary
    /// assigned the same pairs in turn.
    @Test func buildsFromPairsLikeAssigningThemInTurn() {
        let pairs: [(String, Int)] = [("vpc:b", 1), ("peering:z", 2), ("vpc:a", 3), ("vpc:b", 4), ("peering:a", 5), ("vpc:b", 6)]
        var reference: [String: Int] = [:]
        for (key, value) in pairs { reference[key] = value }
        let map = SmallMap(pairs)
        #expect(map.count == reference.count && map["vpc:b"] == 6)
        #expect(map.mapValues { $0 } == reference)
        #expect(Array(map.map(\.key)) == reference.keys.sorted())
        var assigned: SmallMap<Int> = [:]
        for (key, value) in pairs { assigned[key] = value }
        #expect(assigned == map)
    }

    /// `entry(prefix, name)` finds exactly what `map["prefix:name"]` finds, for every key of
    /// the counter memory's form and for names that sort around them.
    @Test func entryByPrefixAndNameAgreesWithTheComposedKey() {
        let keys = ["peering:a->b", "peering:a->b-c", "peering:a-b->c", "peering:b->a", "vpc:a", "vpc:a-1", "vpc:b", "vpc:ab"]
        let map = SmallMap(keys.enumerated().map { ($1, $0) })
        let probes = keys.map { key in key.split(separator: ":", maxSplits: 1).map(String.init) }
            + [["peering", "a"], ["peering", "a->c"], ["peering", ""], ["vpc", "aa"], ["vpc", "c"], ["vpc", ""], ["p", "a->b"], ["vpcs", "a"], ["zz", "a"]]
        for probe in probes {
            let found = map.entry(probe[0], probe[1])
            #expect(found?.value == map["\(probe[0]):\(probe[1])"], "\(probe)")
            #expect(found.map { $0.key == "\(probe[0]):\(probe[1])" } ?? true)
        }
        #expect(SmallMap<Int>().entry("vpc", "a") == nil)
        // A name beyond ASCII is looked up by its composed key.
        let accented = SmallMap([("vpc:é", 1), ("vpc:e", 2), ("vpc:f", 3)])
        #expect(accented.entry("vpc", "é")?.value == 1 && accented.entry("vpc", "e")?.value == 2 && accented.entry("vpc", "ê") == nil)
    }

    /// Pairs already in key order are taken as they are; out of order or repeated, sorted.
    @Test func pairsInOrderBuildTheSameMapAsPairsOutOfOrder() {
        let ordered: [(String, Int)] = [("a", 1), ("b", 2), ("c", 3)]
        #expect(SmallMap(ordered) == SmallMap(ordered.reversed()))
        #expect(SmallMap([("a", 1), ("a", 2)])["a"] == 2 && SmallMap([("a", 1), ("a", 2)]).count == 1)
    }

    @Test func equalityIgnoresInsertionOrder() {
        var a: SmallMap<Int> = [:], b: SmallMap<Int> = [:]
        a["x"] = 1; a["y"] = 2
        b["y"] = 2; b["x"] = 1
        #expect(a == b)
        b["y"] = 3
        #expect(a != b)
        #expect(SmallMap<Int>().isEmpty)
    }
}
