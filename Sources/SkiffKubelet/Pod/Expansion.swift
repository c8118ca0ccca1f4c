/// Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion) for command, args and
/// env values: `$(NAME)` becomes the value when NAME is defined and stays as written otherwise;
/// `$$` is an escaped `$`, so `$$(NAME)` yields `$(NAME)`.
enum Expansion {
    static func expand(_ input: String, _ lookup: (String) -> String?) -> String {
        let chars = Array(input)
        var output = ""
        var index = 0
        while index < chars.count {
            let char = chars[index]
            guard char == "$", index + 1 < chars.count else {
                output.append(char)
                index += 1
                continue
            }
            let next = chars[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
            } else if next == "(", let close = chars[(index + 2)...].firstIndex(of: ")") {
                let name = String(chars[(index + 2) ..< close])
                if let value = lookup(name) { output += value } else { output += "$(" + name + ")" }
                index = close + 1
            } else {
                output.append(char)
                output.append(next)
                index += 2
            }
        }
        return output
    }
}
