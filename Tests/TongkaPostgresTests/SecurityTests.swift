import Foundation
import Testing
import TongkaDomain
import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct PasswordHasherTests {
    let hasher = PasswordHasher(logN: 10)

    @Test func aHashVerifiesItsPasswordAndNoOther() async throws {
        let stored = try await hasher.hash("correct horse battery")
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 6)
        #expect(parts.prefix(4) == ["scrypt", "10", "8", "1"])
        #expect(Data(base64Encoded: String(parts[4]))?.count == 16)
        #expect(Data(base64Encoded: String(parts[5]))?.count == 32)
        #expect(!stored.contains("correct horse"))

        #expect(try await hasher.verify("correct horse battery", against: stored))
        #expect(try await !hasher.verify("correct horse batterY", against: stored))
        #expect(try await !hasher.verify("correct horse battery ", against: stored))
        #expect(try await !hasher.verify("", against: stored))
        // The cost is read from the stored form: another configured cost still verifies old hashes.
        #expect(try await PasswordHasher(logN: 11).verify("correct horse battery", against: stored))
    }

    @Test func twoHashesOfOnePasswordDifferByTheirSalt() async throws {
        let first = try await hasher.hash("same password")
        let second = try await hasher.hash("same password")
        #expect(first != second)
        #expect(first.split(separator: "$")[4] != second.split(separator: "$")[4])
        #expect(try await hasher.verify("same password", against: first))
        #expect(try await hasher.verify("same password", against: second))
    }

    @Test func aMalformedOrTamperedStoredHashNeverMatches() async throws {
        let stored = try await hasher.hash("pa55word-long")
        let parts = stored.split(separator: "$").map(String.init)
        var flipped = Data(base64Encoded: parts[5])!
        flipped[0] ^= 0x01
        /// The stored form with part `index` replaced.
        func with(_ index: Int, _ value: String) -> String {
            var copy = parts
            copy[index] = value
            return copy.joined(separator: "$")
        }
        let salt = parts[4]
        let candidates: [String] = [
            "",
            "pa55word-long",
            "scrypt$10$8$1$",
            "scrypt$10$8$1$\(salt)",
            with(0, "bcrypt"),
            with(5, flipped.base64EncodedString()),
            with(5, String(parts[5].dropLast(4))),
            with(4, "not base64!"),
            with(1, "25"),
            with(1, "0"),
            with(1, "ten"),
            with(1, "11"),
            stored + "$extra",
        ]
        for candidate in candidates {
            #expect(try await !hasher.verify("pa55word-long", against: candidate), "\(candidate)")
        }
    }
}

extension PasswordHasherTests {
    /// A stored hash whose scrypt block size is negative (or so large that 128·N·r·p overflows)
    /// must not match. swift-crypto converts r and p with `UInt64(_:)` and multiplies them
    /// unchecked, so `verify` bounds them first; run in a child process so a regression shows as a
    /// crash of that process only.
    @Test(arguments: [
        "scrypt$10$-1$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$10$8$-1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$10$1125899906842624$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ])
    func aStoredHashWithAnImpossibleBlockSizeOrParallelismDoesNotMatchAndDoesNotCrash(stored: String) async {
        await #expect(processExitsWith: .success) { [stored] in
            // Not matching is right; an error is acceptable too. Only `true` or a crash is wrong.
            if (try? await PasswordHasher(logN: 10).verify("x", against: stored)) == true { exit(1) }
        }
    }

    @Test func aStoredHashWithZeroBlockSizeOrParallelismIsRefusedWithoutCrashing() async {
        for stored in [
            "scrypt$10$0$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "scrypt$10$8$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            #expect((try? await PasswordHasher(logN: 10).verify("x", against: stored)) != true, "\(stored)")
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct TokenTests {
    @Test func aSessionTokenIsWellFormedRandomAndHashedTo32Bytes() {
        let tokens = (0..<1000).map { _ in SessionToken.generate() }
        #expect(Set(tokens).count == 1000)
        for token in tokens {
            #expect(token.hasPrefix("tk_"))
            #expect(token.count == 46)
            #expect(SessionToken.isWellFormed(token))
            #expect(token.dropFirst(3).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
        let token = tokens[0]
        #expect(SessionToken.hash(token).count == 32)
        #expect(SessionToken.hash(token) == SessionToken.hash(token))
        #expect(SessionToken.hash(token) != SessionToken.hash(tokens[1]))
        #expect(Set(tokens.map(SessionToken.hash)).count == 1000)
        // The 43 characters are base64url of exactly 32 random bytes.
        for token in tokens.prefix(50) {
            let base64 =
                token.dropFirst(3).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
            #expect(Data(base64Encoded: base64)?.count == 32, "\(token)")
        }
        // Every one of the 42 full positions varies across tokens (the 43rd carries only 4 bits).
        for position in 3..<45 {
            let characters = Set(tokens.map { Array($0)[position] })
            #expect(characters.count > 40, "position \(position)")
        }
    }

    @Test func malformedTokensAreRejectedBeforeAnyLookup() {
        let token = SessionToken.generate()
        #expect(!SessionToken.isWellFormed(""))
        #expect(!SessionToken.isWellFormed(String(token.dropLast())))
        #expect(!SessionToken.isWellFormed(token + "A"))
        #expect(!SessionToken.isWellFormed("tx_" + token.dropFirst(3)))
        #expect(!SessionToken.isWellFormed("tk_" + String(repeating: "+", count: 43)))
        #expect(!SessionToken.isWellFormed("tk_" + String(repeating: "é", count: 43)))
        #expect(SessionToken.isWellFormed("tk_" + String(repeating: "-", count: 43)))
    }

    @Test func aOneTimePasswordIsTwoGroupsOfSevenWithoutLookAlikes() {
        let passwords = (0..<200).map { _ in OneTimePassword.generate() }
        #expect(Set(passwords).count == 200)
        let allowed = Set("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        for password in passwords {
            #expect(password.count == 15)
            let characters = Array(password)
            #expect(characters[7] == "-")
            let body = characters[..<7] + characters[8...]
            #expect(body.allSatisfy(allowed.contains), "\(password)")
            #expect(!body.contains { "0O1lIio".contains($0) })
        }
        // Long enough to pass the password rules for a first login.
        #expect(throws: Never.self) { try Validate.password(passwords[0], username: "zhangsan") }
    }
}

@Suite(.timeLimit(.minutes(5))) struct PersonalDataVaultTests {
    let secret = PersonalDataVault.generateSecret()
    var vault: PersonalDataVault { try! PersonalDataVault(secret: secret) }

    @Test func sealedDataOpensAgainAndEachCiphertextIsFresh() throws {
        let number = "430102199003071234"
        let first = try vault.seal(number, field: .documentNumber)
        let second = try vault.seal(number, field: .documentNumber)
        #expect(first != second)
        #expect(first.first == 1)
        #expect(first.range(of: Data(number.utf8)) == nil)
        #expect(first.range(of: Data(number.suffix(6).utf8)) == nil)
        #expect(try vault.open(first, field: .documentNumber) == number)
        #expect(try vault.open(second, field: .documentNumber) == number)
        // A second vault over the same secret (a restarted server) opens it too.
        #expect(try PersonalDataVault(secret: secret).open(first, field: .documentNumber) == number)
        let phone = "13800138000"
        #expect(try vault.open(try vault.seal(phone, field: .phone), field: .phone) == phone)
        #expect(try vault.open(try vault.seal("", field: .phone), field: .phone) == "")
        #expect(try vault.open(try vault.seal("张三", field: .phone), field: .phone) == "张三")
    }

    @Test func aPhoneCiphertextCannotBeOpenedAsADocumentNumber() throws {
        let phone = try vault.seal("13800138000", field: .phone)
        #expect(throws: (any Error).self) { try vault.open(phone, field: .documentNumber) }
        let document = try vault.seal("E12345678", field: .documentNumber)
        #expect(throws: (any Error).self) { try vault.open(document, field: .phone) }
    }

    @Test func anotherSecretOrAnAlteredCiphertextCannotBeOpened() throws {
        let sealed = try vault.seal("E12345678", field: .documentNumber)
        let other = try PersonalDataVault(secret: PersonalDataVault.generateSecret())
        #expect(throws: (any Error).self) { try other.open(sealed, field: .documentNumber) }
        for index in [0, 1, 13, sealed.count - 1] {
            var altered = sealed
            altered[index] ^= 0x40
            #expect(throws: (any Error).self, "byte \(index)") { try vault.open(altered, field: .documentNumber) }
        }
        #expect(throws: (any Error).self) { try vault.open(sealed.prefix(20), field: .documentNumber) }
        #expect(throws: (any Error).self) { try vault.open(Data(), field: .documentNumber) }
    }

    @Test func theLookupHashIsStablePerDocumentAndDiffersByKeyTypeAndNumber() throws {
        let passport = try IdentityDocument(type: .passport, number: "12345678")
        let permit = try IdentityDocument(type: .taiwanPermit, number: "12345678")
        let otherPassport = try IdentityDocument(type: .passport, number: "12345679")
        let hash = vault.lookupHash(passport)
        #expect(hash.count == 32)
        #expect(vault.lookupHash(passport) == hash)
        #expect(try PersonalDataVault(secret: secret).lookupHash(passport) == hash)
        // Normalisation happens before hashing: spaces and case do not make another document.
        #expect(vault.lookupHash(try IdentityDocument(type: .passport, number: " 1234 5678 ")) == hash)
        #expect(vault.lookupHash(permit) != hash)
        #expect(vault.lookupHash(otherPassport) != hash)
        #expect(try PersonalDataVault(secret: PersonalDataVault.generateSecret()).lookupHash(passport) != hash)
        #expect(hash.range(of: Data("12345678".utf8)) == nil)
    }

    @Test func theSecretMustBeExactly32Bytes() {
        for count in [0, 16, 31, 33, 64] {
            #expect(throws: TongkaError.self, "\(count) bytes") {
                try PersonalDataVault(secret: [UInt8](repeating: 7, count: count))
            }
        }
        #expect(throws: Never.self) { try PersonalDataVault(secret: [UInt8](repeating: 7, count: 32)) }
        #expect(PersonalDataVault.generateSecret().count == 32)
        #expect(PersonalDataVault.generateSecret() != PersonalDataVault.generateSecret())
    }
}
