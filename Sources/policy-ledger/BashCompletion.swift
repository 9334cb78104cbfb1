import ArgumentParser

/// The bash completion script: ArgumentParser's, registered through a function of ours
/// that lets a version be completed as the one word `KEY@N`.
///
/// bash breaks words at `@` (`COMP_WORDBREAKS` holds it, for `user@host`), so
/// `mobile-devices@2` reaches a completion function as three words, and with `-o
/// filenames` the `@` of a completed name is written `\@`, which no name starts with.
/// `__policy-ledger_complete` joins the pieces the command line writes together, asks
/// ArgumentParser's `_policy-ledger` with the joined words, gives bash back only the part
/// of each answer after the start of bash's own word, and turns `-o filenames` off when
/// no answer is an existing path (names from the ledger, inserted as they are). zsh and
/// fish take `KEY@N` as one word already.
enum BashCompletion {
  static let function = #"""

    # policy-ledger: complete KEY@N as one word (Sources/policy-ledger/BashCompletion.swift).
    __policy-ledger_complete() {
        if [[ "${COMP_WORDBREAKS}" != *@* ]]; then
            _policy-ledger "$@"
        else
            # The words as the command line writes them: each '@' glued to the pieces it
            # touches (bash gives COMP_WORDS as substrings of COMP_LINE, in order).
            local -a words=()
            local -i i cword=0 offset=0
            local glue=false word rest trimmed
            for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
                word="${COMP_WORDS[i]}"
                rest="${COMP_LINE:offset}"
                trimmed="${rest#"${rest%%[![:space:]]*}"}"
                if ((${#words[@]} > 0 && ${#rest} == ${#trimmed})) && [[ "${word}" == @ || "${glue}" == true ]]; then
                    words[${#words[@]}-1]+="${word}"
                else
                    words+=("${word}")
                fi
                if [[ "${word}" == @ ]]; then glue=true; else glue=false; fi
                offset=$((offset + ${#rest} - ${#trimmed} + ${#word}))
                ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
            done
            local typed="${COMP_LINE:0:COMP_POINT}"
            typed="${typed##*[[:space:]]}"
            if [[ "${words[cword]}" == "${COMP_WORDS[COMP_CWORD]}" ]]; then
                # The word completed is whole; only words before it were glued.
                local -a COMP_WORDS=("${words[@]}")
                local -i COMP_CWORD=${cword}
                _policy-ledger "$@"
            elif [[ "${typed}" == "${words[cword]}" && "${typed}" != *[\\\"\'\$~=]* && "${typed}" == *"${2}" ]]; then
                # KEY@N up to the cursor, plain text: completed whole, and bash given back
                # the part after the start of its own word.
                local -r prefix="${typed%"${2}"}"
                local -a COMP_WORDS=("${words[@]}")
                local -i COMP_CWORD=${cword}
                _policy-ledger "${1}" "${typed}" "${words[cword-1]}"
                COMPREPLY=("${COMPREPLY[@]#"${prefix}"}")
            else
                # Quoted, or the cursor inside the word: as generated.
                _policy-ledger "$@"
            fi
        fi
        # Names from the ledger with '@' in them (KEY@N), none of them a file: inserted as
        # they are, where -o filenames would write '\@'.
        local reply has_at=false
        for reply in "${COMPREPLY[@]}"; do
            [[ -e "${reply}" ]] && return 0
            [[ "${reply}" == *@* ]] && has_at=true
        done
        if "${has_at}"; then compopt +o filenames 2>/dev/null; fi
        return 0
    }
    complete -o filenames -F __policy-ledger_complete policy-ledger

    """#

  /// ArgumentParser's script for `command`, with its `complete` line registering
  /// `__policy-ledger_complete` instead.
  static func script(for command: any ParsableCommand.Type) -> String {
    var body = command.completionScript(for: .bash)
    while body.hasSuffix("\n") { body.removeLast() }
    let registration = "complete -o filenames -F _policy-ledger policy-ledger"
    if body.hasSuffix(registration) { body.removeLast(registration.count) }
    return body + function
  }

  /// Whether `arguments` ask for the bash script (`--generate-completion-script bash`,
  /// or `=bash`), which this type writes; every other shell's is ArgumentParser's alone.
  static func isRequested(_ arguments: [String]) -> Bool {
    arguments == ["--generate-completion-script", "bash"] || arguments == ["--generate-completion-script=bash"]
  }
}
