import ProcessMemory
import Testing

struct ProcessMemoryTests {
    @Test func processMemoryCapsArenasAndReleasesFreeMemoryOnGlibc() {
        #if canImport(Glibc)
        // The cap is applied here (no MALLOC_ARENA_MAX in this environment)...
        #expect(ProcessMemory.limitArenas(environment: [:]))
        // ...and left to glibc when the variable chose; a value that is not a number is ignored.
        #expect(ProcessMemory.limitArenas(environment: ["MALLOC_ARENA_MAX": "4"]))
        #expect(ProcessMemory.limitArenas(environment: ["MALLOC_ARENA_MAX": "many"]))
        // Freed memory is handed back: allocate and free 64 MB in pieces below the mmap threshold.
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<1_024 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: 64 << 10, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 64 << 10)
            blocks.append(block)
        }
        for block in blocks.dropLast() { block.deallocate() }
        #expect(ProcessMemory.releaseFree())
        blocks.last?.deallocate()
        #endif
    }
}
