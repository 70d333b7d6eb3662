import Testing
import TongkaDomain

@Suite struct TopupDimensionTests {
    @Test func anySubsetOfHallChannelAndProductParsesInOneFixedOrder() throws {
        #expect(try TopupDimension.parse("product,hall") == [.hall, .product])
        #expect(try TopupDimension.parse(" channel , hall ") == [.hall, .channel])
        #expect(try TopupDimension.parse("hall,channel,product") == TopupDimension.allCases)
        #expect(try TopupDimension.parse("") == [])
    }

    @Test func unknownRepeatedOrEmptyNamesAreAnInvalidGrouping() {
        for bad in ["mode", "hall,hall", "hall,", ",", "Hall", "card_type"] {
            expectError(.invalidGrouping) { try TopupDimension.parse(bad) }
        }
    }
}
