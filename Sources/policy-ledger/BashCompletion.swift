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
    # policy-ledger: `--db PATH` and `--tz ZONE` before the command, as the binary reads them
    # (it moves them after the command). ArgumentParser's script would take `--db` for the
    # command and complete nothing, so their words are taken out of `words` (the words up to
    # and after the cursor, `cword` the cursor's), COMP_LINE and COMP_POINT are made anew
    # from what is left, and a plain `--db` value reaches the binary as $POLICY_LEDGER_DB.
    __policy-ledger_leading_options() {
        local -i i=1
        local db=""
        while ((i < cword)); do
            case "${words[i]}" in
                --db | --tz)
                    local option="${words[i]}"
                    # `--db=PATH` reaches here as three words when '=' breaks words.
                    local -i skip=1
                    [[ "${words[i + 1]}" == = ]] && skip=2
                    if ((i + skip >= cword)); then
                        # The cursor is on the option's value: a file for --db, nothing for --tz.
                        ((i + skip == cword)) && valueOf="${words[i]}"
                        return 0
                    fi
                    local value="${words[i + skip]}"
                    i+=$((skip + 1))
                    # A ':' (`--tz -07:00`, `--db x:y.db`) breaks words too: its pieces follow.
                    while ((i < cword)) && [[ "${words[i]}" == : || "${words[i - 1]}" == : ]]; do
                        value+="${words[i]}"
                        i+=1
                    done
                    [[ "${option}" == --db ]] && db="${value}"
                    ;;
                --db=* | --tz=*)
                    [[ "${words[i]}" == --db=* ]] && db="${words[i]#--db=}"
                    i+=1
                    ;;
                *) break ;;
            esac
        done
        ((i > 1)) || return 0
        words=("${words[0]}" "${words[@]:i}")
        cword=$((cword - i + 1))
        # Only a value typed plainly is passed on. One quoted or expanded is not read here,
        # and names from another ledger ($POLICY_LEDGER_DB's) would be wrong for it: a path
        # under /dev/null, which no ledger can have, offers none.
        if [[ "${db}" =~ ^[~]?[A-Za-z0-9._/+@:,-]+$ ]]; then
            POLICY_LEDGER_DB="${db/#\~/${HOME}}"
        elif [[ -n "${db}" ]]; then
            POLICY_LEDGER_DB=/dev/null/none
        fi
        local before="${words[*]:0:cword}"
        line="${words[*]}"
        point=$((${#before} + 1 + ${#typed}))
    }

    # ArgumentParser's function, on `words` and `cword` with their leading options taken
    # out (and COMP_LINE and COMP_POINT made to match), or a leading option's value: a file
    # for --db, nothing for --tz.
    __policy-ledger_generated() {
        __policy-ledger_leading_options
        if [[ "${valueOf}" == --db ]]; then
            # One name a line, kept whole (a name may hold a space); bash quotes it (-o filenames).
            mapfile -t COMPREPLY < <(compgen -f -- "${2}")
            return 0
        elif [[ -n "${valueOf}" ]]; then
            COMPREPLY=()
            return 0
        fi
        local -a COMP_WORDS=("${words[@]}")
        local -i COMP_CWORD=${cword} COMP_POINT=${point}
        local COMP_LINE="${line}"
        _policy-ledger "$@"
    }

    __policy-ledger_complete() {
        local typed="${COMP_LINE:0:COMP_POINT}"
        typed="${typed##*[[:space:]]}"
        local line="${COMP_LINE}" valueOf="" POLICY_LEDGER_DB="${POLICY_LEDGER_DB-}"
        local -i point=${COMP_POINT}
        export POLICY_LEDGER_DB
        if [[ "${COMP_WORDBREAKS}" != *@* ]]; then
            local -a words=("${COMP_WORDS[@]}")
            local -i cword=${COMP_CWORD}
            __policy-ledger_generated "$@"
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
            if [[ "${words[cword]}" == "${COMP_WORDS[COMP_CWORD]}" ]]; then
                # The word completed is whole; only words before it were glued.
                __policy-ledger_generated "$@"
            elif [[ "${typed}" == "${words[cword]}" && "${typed}" != *[\\\"\'\$~=]* && "${typed}" == *"${2}" ]]; then
                # KEY@N up to the cursor, plain text: completed whole, and bash given back
                # the part after the start of its own word.
                local -r prefix="${typed%"${2}"}"
                __policy-ledger_generated "${1}" "${typed}" "${words[cword-1]}"
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
