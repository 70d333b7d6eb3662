import ArgumentParser
import Foundation
import TongkaCardCrypto

/// Card master keys: generate a fresh key set for a demo or test operator, or check a key file.
/// Key values are never printed; only names, versions and algorithms.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Card master keys (the host security module's key file).",
        subcommands: [Generate.self, Check.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a fresh random key set (DLK, DPK, DTK, DAMK) in a new file, mode 0600.",
            discussion: "The file format is described in docs/card-crypto.md. Existing files are never replaced without --force.")

        @Option(help: "Where to write the key file.")
        var out: String

        @Option(help: "The operator's 8-byte issuer id as 16 hex digits (TONGKA_ISSUER_ID).")
        var issuerID: String?

        @Option(help: "Diversification chain: card (card level only) or issuer,card.")
        var diversification = "issuer,card"

        @Option(help: "Key algorithms, comma-separated: 3DES, SM4.")
        var algorithms = "3DES"

        @Option(help: "Key version (1-255).")
        var keyVersion: UInt8 = 1

        @Flag(help: "Replace an existing file.")
        var force = false

        func run() async throws {
            guard let issuer = issuerID ?? ProcessInfo.processInfo.environment["TONGKA_ISSUER_ID"] else {
                throw ValidationError("give --issuer-id or set TONGKA_ISSUER_ID")
            }
            let chain: DiversificationChain
            switch diversification.replacingOccurrences(of: " ", with: "") {
            case "card": chain = .cardOnly
            case "issuer,card": chain = .issuerThenCard
            default: throw ValidationError("--diversification is card or issuer,card")
            }
            let algorithmList = try algorithms.split(separator: ",").map { name in
                guard let algorithm = KeyAlgorithm(rawValue: name.trimmingCharacters(in: .whitespaces).uppercased()) else {
                    throw ValidationError("--algorithms takes 3DES and SM4")
                }
                return algorithm
            }
            if !force, FileManager.default.fileExists(atPath: out) {
                throw ValidationError("\(out) exists; keys are never replaced silently (use --force to replace them)")
            }
            do {
                let contents = try MasterKeyStore.generateKeyFile(
                    issuerID: try Hex.decode(issuer, field: "issuer id"), diversification: chain, algorithms: algorithmList,
                    version: keyVersion)
                try MasterKeyStore.writeKeyFile(contents, to: out, overwrite: force)
                let store = try MasterKeyStore.load(fromFile: out)
                print("Wrote \(out) (mode 0600): \(store.keyReferences.map(\.description).joined(separator: ", "))")
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a key file and list its keys (names and versions only).")

        @Option(help: "The key file.")
        var file: String

        func run() async throws {
            do {
                let store = try MasterKeyStore.load(fromFile: file)
                print(
                    "\(file): issuer \(Hex.encode(store.configuration.issuerID)), diversification \(store.configuration.diversification)"
                )
                for reference in store.keyReferences { print("  \(reference)") }
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
