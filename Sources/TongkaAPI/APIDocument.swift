import Foundation

/// The OpenAPI document this module was generated from, served at `/openapi.yaml`.
public enum APIDocument {
    /// The bytes of `openapi.yaml` as bundled with the module.
    public static func yaml() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
