/// Text made safe inside XML (and HTML) content and attribute values: the five predefined
/// entities. One function for libvirt's domain XML and the HTML and JUnit reports, which each
/// had their own copy.
public enum XMLEscape {
    public static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
