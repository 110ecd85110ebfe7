import CShims
import Testing

@Test func kernelVirtqueueLayoutIsVisible() {
    #expect(MemoryLayout<vring_desc>.size == 16)
    #expect(MemoryLayout<vring_used_elem>.size == 8)
}
