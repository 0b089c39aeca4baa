import CNNCore
import Testing
@testable import CNNData

@Test func setsAreBalancedAndAlternate() {
    var gen = XOGenerator(seed: 1)
    let set = gen.makeSet(count: 101)
    #expect(set.filter { $0.label == 0 }.count == 51)
    #expect(set.filter { $0.label == 1 }.count == 50)
    #expect(set.enumerated().allSatisfy { $0.element.label == $0.offset % 2 })
}

@Test func sameSeedGivesSameImages() {
    var a = XOGenerator(seed: 7), b = XOGenerator(seed: 7), c = XOGenerator(seed: 8)
    let sa = a.makeSet(count: 50), sb = b.makeSet(count: 50), sc = c.makeSet(count: 50)
    #expect(sa == sb)
    #expect(sa != sc)
}

@Test(arguments: [5, 9, 15])
func pixelsArePlusOrMinusOneInAnSBySGrid(size: Int) {
    var gen = XOGenerator(size: size, seed: 3)
    for ex in gen.makeSet(count: 40) {
        #expect(ex.image.shape == [1, size, size])
        #expect(ex.image.data.allSatisfy { $0 == 1 || $0 == -1 })
        // Some stroke and mostly background: a drawing, not a blank or a blob.
        let ink = ex.image.data.filter { $0 > 0 }.count
        #expect(ink >= 5 && ink * 10 < size * size * 7)
    }
}

@Test func imagesDiffer() {
    var gen = XOGenerator(seed: 11)
    let set = gen.makeSet(count: 200)
    let distinct = Set(set.map { $0.image.data.map { $0 > 0 ? "#" : "." }.joined() })
    #expect(distinct.count > 150)
}

@Test func undeformedShapesAreTheArticles() {
    // With no variation the generator draws the article's X and O (lessons/inputs/x.txt, o.txt).
    var gen = XOGenerator(seed: 0, variation: .none)
    let x = gen.image(of: .x), o = gen.image(of: .o)
    let art = { (t: Tensor) in t.rows().map { $0.map { $0 > 0 ? "#" : "." }.joined() } }
    #expect(art(x) == [".........", ".#.....#.", "..#...#..", "...#.#...", "....#....", "...#.#...", "..#...#..", ".#.....#.", "........."])
    #expect(art(o) == [".........", "...###...", "..#...#..", ".#.....#.", ".#.....#.", ".#.....#.", "..#...#..", "...###...", "........."])
}

@Test(arguments: XOGenerator.Variant.allCases)
func variantsStayInsideTheFrameAndReadAsTheirShape(variant: XOGenerator.Variant) {
    var gen = XOGenerator(seed: 5, variant: variant)
    let set = gen.makeSet(count: 60)
    #expect(set.filter { $0.label == 0 }.count == 30)
    for ex in set {
        #expect(ex.image.data.allSatisfy { $0 == 1 || $0 == -1 })
        let rows = ex.image.rows()
        // Every O keeps background inside it: some row has ink, then background, then ink.
        if ex.label == 1 {
            let hollow = rows.contains { row in
                guard let first = row.firstIndex(of: 1), let last = row.lastIndex(of: 1) else { return false }
                return row[first...last].contains(-1)
            }
            #expect(hollow)
        }
    }
}

@Test func variantsDifferFromEachOther() {
    let sets = XOGenerator.Variant.allCases.map { v -> [LabeledImage] in
        var g = XOGenerator(seed: 2, variant: v)
        return g.makeSet(count: 20)
    }
    for i in sets.indices { for j in sets.indices where i < j { #expect(sets[i] != sets[j]) } }
    // Thick strokes carry more ink than shrunk shapes.
    let ink = { (s: [LabeledImage]) in s.reduce(0) { $0 + $1.image.data.filter { $0 > 0 }.count } }
    let thick = XOGenerator.Variant.allCases.firstIndex(of: .thick) ?? 0
    let shrunk = XOGenerator.Variant.allCases.firstIndex(of: .shrunk) ?? 0
    #expect(ink(sets[thick]) > 2 * ink(sets[shrunk]))
}
