# cdb TEST DOUBLE helper: prints "<strategy> <share of -v regime>" for every
# strategy of an ALLOCATION_RULES_JSON object {"s": {"REGIME": share}} (a
# small tokenizer: the doubles have no JSON parser; 0 when the regime is missing).
{
  s = $0; depth = 0; key = ""; strat = ""
  while (length(s) > 0) {
    c = substr(s, 1, 1)
    if (c == "{") { depth++; s = substr(s, 2); continue }
    if (c == "}") { if (depth == 2) print strat, (found ? share : 0); depth--; s = substr(s, 2); continue }
    if (c == "\"") {
      match(s, /^"[^"]*"/); tok = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1)
      if (depth == 1) { strat = tok; found = 0 } else key = tok
      continue
    }
    if (c ~ /[-0-9.]/) {
      match(s, /^[-0-9.eE+]+/); num = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
      if (depth == 2 && key == regime) { share = num; found = 1 }
      continue
    }
    s = substr(s, 2)
  }
}
