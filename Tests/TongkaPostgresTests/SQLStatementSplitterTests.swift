import Testing

@testable import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct SQLStatementSplitterTests {
    func split(_ sql: String) -> [String] { SQLStatementSplitter.split(sql) }

    @Test func splitsOnSemicolonsAndTrimsEachStatement() {
        #expect(split("SELECT 1; SELECT 2;") == ["SELECT 1", "SELECT 2"])
        #expect(
            split("  CREATE TABLE t (id int)\n;\n\nINSERT INTO t VALUES (1)") == [
                "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)",
            ])
        #expect(split("SELECT 1") == ["SELECT 1"])
    }

    @Test func ignoresEmptyAndTrailingEmptyStatements() {
        #expect(split("") == [])
        #expect(split(" ;; \n ; ") == [])
        #expect(split("SELECT 1;;  ; \n") == ["SELECT 1"])
    }

    @Test func keepsSemicolonsInsideStringLiteralsWithDoubledQuotes() {
        #expect(split("SELECT 'a;b'; SELECT 2") == ["SELECT 'a;b'", "SELECT 2"])
        #expect(split("SELECT 'it''s; fine', ''; SELECT ';'") == ["SELECT 'it''s; fine', ''", "SELECT ';'"])
    }

    @Test func backslashEscapesCountOnlyInEscapeStrings() {
        // E'\'' is a quote inside an escape string: the ; after it is still inside the literal.
        #expect(split(#"SELECT E'\'; still'; SELECT 2"#) == [#"SELECT E'\'; still'"#, "SELECT 2"])
        #expect(split(#"SELECT e'\\'; SELECT 3"#) == [#"SELECT e'\\'"#, "SELECT 3"])
        // In a standard string a backslash is an ordinary character and the quote after it closes.
        #expect(split(#"SELECT '\'; SELECT 4"#) == [#"SELECT '\'"#, "SELECT 4"])
        // An identifier ending in E before a quote does not make an escape string.
        #expect(split(#"SELECT 1 FROM t WHERE name LIKE'\'; SELECT 5"#) == [#"SELECT 1 FROM t WHERE name LIKE'\'"#, "SELECT 5"])
    }

    @Test func keepsSemicolonsInsideQuotedIdentifiers() {
        #expect(split(#"SELECT "a;b" FROM "t""x;y"; SELECT 2"#) == [#"SELECT "a;b" FROM "t""x;y""#, "SELECT 2"])
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$"
        #expect(split(function + "; SELECT 2;") == [function, "SELECT 2"])
    }

    @Test func commentsAndQuotesInsideADollarQuotedBodyAreKeptVerbatim() {
        let function = """
            CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$
            BEGIN
                -- a comment; inside the body
                /* and another; */
                RETURN 'it''s; here';
            END $fn$
            """
        #expect(split(function + ";\n-- after\nSELECT 2;") == [function, "SELECT 2"])
    }

    @Test func aTaggedDollarQuoteEndsOnlyAtItsOwnTag() {
        let block = "DO $outer$ BEGIN EXECUTE $inner$ SELECT ';'; $inner$; PERFORM $$ ; $$; END $outer$"
        #expect(split(block + ";\nSELECT 2") == [block, "SELECT 2"])
        // A different tag that starts with the same letters is not the closing tag.
        let body = "SELECT $a$ x; $ab$ y; $ab$ z; $a$"
        #expect(split(body + "; SELECT 3") == [body, "SELECT 3"])
    }

    @Test func parametersAndDollarSignsInIdentifiersAreNotDollarQuotes() {
        #expect(split("SELECT $1 FROM t WHERE a = $2; SELECT $3") == ["SELECT $1 FROM t WHERE a = $2", "SELECT $3"])
        #expect(split("SELECT x$y$ FROM t; SELECT 2") == ["SELECT x$y$ FROM t", "SELECT 2"])
        #expect(split("SELECT $1$; SELECT 2") == ["SELECT $1$", "SELECT 2"])
    }

    @Test func dropsLineCommentsIncludingTheirSemicolonsAndQuotes() {
        #expect(
            split("SELECT 1; -- a comment; with a semicolon and it's quote\nSELECT 2 -- trailing\n;") == ["SELECT 1", "SELECT 2"])
        #expect(split("-- only a comment;\n;") == [])
        #expect(split("SELECT '--not a comment;'; SELECT 2") == ["SELECT '--not a comment;'", "SELECT 2"])
    }

    @Test func skipsNestedBlockComments() {
        #expect(split("SELECT /* outer /* inner; */ still comment; it's */ 1; SELECT 2") == ["SELECT   1", "SELECT 2"])
        #expect(split("/* a comment alone; */;\nSELECT 3") == ["SELECT 3"])
        #expect(split("SELECT '/* not; a comment */'; SELECT 4") == ["SELECT '/* not; a comment */'", "SELECT 4"])
    }

    @Test func anUnterminatedLiteralSwallowsTheRestInsteadOfSplittingInsideIt() {
        #expect(split("SELECT 'abc; SELECT 2") == ["SELECT 'abc; SELECT 2"])
        #expect(split("SELECT $$abc; SELECT 2") == ["SELECT $$abc; SELECT 2"])
    }

    @Test func theBundledMigrationsSplitIntoWholeStatements() throws {
        let migrator = try Migrator.bundled()
        #expect(migrator.migrations.count == 26)
        for migration in migrator.migrations {
            let statements = split(migration.sql)
            #expect(!statements.isEmpty)
            for statement in statements {
                #expect(!statement.isEmpty)
                #expect(!statement.hasPrefix("--"), "a comment leaked into: \(statement.prefix(60))")
                #expect(!statement.hasPrefix(";"))
            }
            // Every function body stays with its CREATE FUNCTION, up to the closing `$$`.
            let functions = statements.filter { $0.hasPrefix("CREATE FUNCTION") }
            let declared =
                migration.sql.components(separatedBy: "\nCREATE FUNCTION").count - 1
                + (migration.sql.hasPrefix("CREATE FUNCTION") ? 1 : 0)
            #expect(functions.count == declared)
            for function in functions {
                #expect(function.hasSuffix("$$"), "\(function.prefix(60))")
            }
            // Statements begin with a keyword: nothing was cut in the middle.
            for statement in statements {
                let keyword = statement.prefix { $0.isLetter }.uppercased()
                #expect(
                    ["CREATE", "INSERT", "UPDATE", "ALTER", "DROP", "DO", "GRANT", "REVOKE"].contains(keyword),
                    "\(statement.prefix(60))")
            }
        }
        let foundation = split(migrator.migrations[0].sql)
        #expect(foundation.filter { $0.hasPrefix("CREATE FUNCTION") }.count == 8)
        #expect(
            foundation.contains {
                $0.hasPrefix("CREATE FUNCTION audit_verify") && $0.contains("first_broken_event := e.event_id;")
            })
    }
}
