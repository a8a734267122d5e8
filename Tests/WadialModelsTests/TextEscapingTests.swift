import Testing
import WadialModels

struct TextEscapingTests {
    @Test func visibleEscapesEveryControlCharacterAndKeepsTheRest() {
        #expect(TextEscaping.visible("plain Ünïcødé 🎉") == "plain Ünïcødé 🎉")
        #expect(TextEscaping.visible("a\nb\r\tc") == "a\\nb\\r\\tc")
        #expect(TextEscaping.visible("\u{1b}[31mred") == "\\u001b[31mred")
        #expect(TextEscaping.visible("back\\slash") == "back\\\\slash")
        #expect(TextEscaping.visible("\u{2028}\u{202E}\u{7F}\u{85}") == "\\u2028\\u202e\\u007f\\u0085")
        // Nothing that ends or rewrites a line survives.
        for scalar in (0..<0x20).compactMap(Unicode.Scalar.init) + ["\u{7F}", "\u{2028}", "\u{2029}"] {
            #expect(!TextEscaping.visible("x\(scalar)y").unicodeScalars.contains(scalar))
        }
    }

    @Test func htmlTextIsNeverMarkup() {
        #expect(TextEscaping.html(#"<script>alert('x')</script> & "q""#) == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(TextEscaping.html("a\nb\u{1b}[2J\u{202e}c\\d") == "a\\nb\\u001b[2J\\u202ec\\d")
        #expect(TextEscaping.html("Läufer 🏃") == "Läufer 🏃")
    }

    @Test func jsonStringContentStaysInsideItsString() {
        #expect(TextEscaping.jsonString(#"Evil", "admin": true, "x": ""#) == #"Evil\", \"admin\": true, \"x\": \""#)
        #expect(TextEscaping.jsonString("a\\b\nc\u{01}") == "a\\\\b\\nc\\u0001")
    }

    @Test func urlComponentsKeepReservedCharactersInside() {
        #expect(TextEscaping.urlComponent("a&admin=true&x=#frag and/?") == "a%26admin%3Dtrue%26x%3D%23frag%20and%2F%3F")
        #expect(TextEscaping.urlComponent("120363000000000001@g.us") == "120363000000000001%40g.us")
        #expect(TextEscaping.urlComponent("é") == "%C3%A9")
        #expect(TextEscaping.urlComponent("A-z_0.9~") == "A-z_0.9~")
    }
}
