// fir search: answers queries in the browser from the index files under search/.
// Index files are scripts calling firSearch.load(…), loaded on demand with script tags,
// so search also works from file:// (no fetch, no WebAssembly). The query language and
// the scoring follow src/search (query.rs, engine.rs): keep both in step.
(function () {
  "use strict";

  var store = {};
  var pending = {};
  var api = window.firSearch = {
    // Called by every index file.
    load: function (data) { store[keyOf(data)] = data; },
    // Paths of the index files loaded so far, and the time of the last query (ms)
    // until its results showed, then until its facet counts did.
    loaded: [],
    lastMs: null,
    facetsMs: null,
    warmMs: null,
    run: null,
    // The documents of a posting list in base64 (src/search/codec.rs), ascending, as
    // queries read them: for tests, once the page is ready.
    decode: function (b64) { return Array.from(docsOf(decodePostings(b64))); },
    // What the documents of the site's addresses and ranges inside a range are of
    // (values, or chunks whose values all lie inside), from the index files: for tests.
    valuesInside: function (value) {
      var range = span(normalizeArtifact(value));
      return range ? valuesInside(range).then(function (found) {
        return found.map(function (entry) { return entry[0]; });
      }) : Promise.resolve([]);
    }
  };

  function keyOf(data) {
    if (data.type === "meta") return "meta";
    if (data.type === "cube") return "cube";
    if (data.type === "shard") return "t:" + data.name;
    if (data.type === "dir") return "dir:" + data.name;
    if (data.type === "rows") return "r:" + data.column + "_" + data.value;
    if (data.type === "net") return "n:" + data.name;
    if (data.type === "facets") return data.part != null ? "p:" + data.part : data.chunk === null ? "f:all" : "f:" + data.chunk;
    return "d:" + data.chunk;
  }

  function loadFile(path, key) {
    if (store[key]) return Promise.resolve(store[key]);
    if (pending[key]) return pending[key];
    pending[key] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = path;
      script.onload = function () {
        api.loaded.push(path);
        if (store[key]) resolve(store[key]); else reject(new Error("bad index file " + path));
      };
      script.onerror = function () { delete pending[key]; reject(new Error("cannot load " + path)); };
      document.head.appendChild(script);
    });
    return pending[key];
  }

  // The UTF-8 bytes of text, one character each (as Rust reads a key's bytes).
  function utf8(text) { return unescape(encodeURIComponent(text)); }
  function hex(text) {
    var bytes = utf8(text), out = "";
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes.charCodeAt(i).toString(16)).slice(-2);
    return out;
  }
  function dirFile(name) { return loadFile("search/t/dir_" + hex(name) + ".js", "dir:" + name); }
  function shardFile(prefix) { return loadFile("search/t/_" + hex(prefix) + ".js", "t:" + prefix); }
  function facetFile(chunk) { return loadFile("search/f/" + chunk + ".js", "f:" + chunk); }
  function facetPart(part) { return loadFile("search/f/p" + part + ".js", "p:" + part); }
  function facetTable() { return loadFile("search/f/all.js", "f:all"); }
  function cubeFile() { return loadFile("search/f/cube.js", "cube"); }
  function rowsFile(c, v) { return loadFile("search/r/" + c + "_" + v + ".js", "r:" + c + "_" + v); }
  function displayFile(chunk) { return loadFile("search/d/" + chunk + ".js", "d:" + chunk); }
  // A group or chunk of addresses the site names nothing in has no file.
  function netFile(name) {
    return loadFile("search/n/" + name + ".js", "n:" + name).catch(function () { return {}; });
  }

  // ---- Text: the rules of src/search/text.rs ----
  var folds = {};
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var MAX_WORD = 64;

  var NON_ASCII = /[^\x00-\x7f]/;
  function fold(text) {
    var lower = text.toLowerCase(), out = "";
    // Only letters beyond ASCII fold: most words are left as they are.
    if (!NON_ASCII.test(lower)) return lower;
    for (var c of lower) out += folds[c] !== undefined ? folds[c] : c;
    return out;
  }
  function stem(word) {
    if (Array.from(word).length < 4 || /[^\x00-\x7f]/.test(word) || /[0-9]/.test(word)) return word;
    if (word.endsWith("ies")) return word.slice(0, -3) + "y";
    if (word.endsWith("aux")) return word.slice(0, -3) + "al";
    if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }
  function words(text) {
    var out = [];
    var found = text.match(WORD) || [];
    for (var i = 0; i < found.length; i++) {
      if (Array.from(found[i]).length <= MAX_WORD) out.push(fold(found[i]));
    }
    return out;
  }

  // ---- Query language: src/search/query.rs ----
  var COLUMN_FIELDS = ["category", "severity", "status", "tlp", "kind", "year"];
  var TERM_FIELDS = ["bl", "tag", "artifact", "detection", "actor", "plan", "month"];

  function quoted(chars, at) {
    var i = at + 1, start = i;
    while (i < chars.length && chars[i] !== '"') i++;
    return [chars.slice(start, i).join(""), Math.min(i + 1, chars.length)];
  }

  function tokenize(query) {
    var chars = Array.from(query), tokens = [], i = 0, ws = /\s/;
    while (i < chars.length) {
      if (ws.test(chars[i])) { i++; continue; }
      var negated = false;
      if (chars[i] === "-" && i + 1 < chars.length && !ws.test(chars[i + 1])) { negated = true; i++; }
      if (chars[i] === '"') {
        var q = quoted(chars, i);
        tokens.push({ negated: negated, field: null, text: q[0], quoted: true });
        i = q[1];
        continue;
      }
      var start = i;
      while (i < chars.length && !ws.test(chars[i]) && chars[i] !== '"') i++;
      var word = chars.slice(start, i).join("");
      if (!negated && word === "OR") { tokens.push({ or: true }); continue; }
      var colon = word.indexOf(":");
      if (colon >= 0) {
        var name = word.slice(0, colon).toLowerCase(), rest = word.slice(colon + 1);
        if (COLUMN_FIELDS.indexOf(name) >= 0 || TERM_FIELDS.indexOf(name) >= 0) {
          var text = rest, isQuoted = false;
          if ((rest === "" || /[=<>]$/.test(rest)) && i < chars.length && chars[i] === '"') {
            var v = quoted(chars, i);
            i = v[1];
            text = rest + v[0];
            isQuoted = true;
          }
          tokens.push({ negated: negated, field: name, text: text, quoted: isQuoted });
          continue;
        }
      }
      tokens.push({ negated: negated, field: null, text: word, quoted: false });
    }
    return tokens;
  }

  function splitOp(value) {
    var ops = [">=", "<=", ">", "<", "="];
    for (var i = 0; i < ops.length; i++) {
      if (value.indexOf(ops[i]) === 0) return [ops[i], value.slice(ops[i].length)];
    }
    return ["=", value];
  }

  function textAtom(text, isQuoted, typingLast) {
    var star = !isQuoted && text.endsWith("*");
    var ws = words(text);
    if (ws.length === 0) return null;
    if (ws.length === 1) return { kind: "word", term: stem(ws[0]), folded: ws[0], prefix: star || (typingLast && !isQuoted) };
    return { kind: "phrase", terms: ws.map(stem) };
  }

  function parse(query, typing) {
    var tokens = tokenize(query);
    var typingLast = typing && !/\s$/.test(query);
    var lastItem = -1;
    tokens.forEach(function (t, i) { if (!t.or) lastItem = i; });
    var clauses = [], joinNext = false;
    tokens.forEach(function (t, index) {
      if (t.or) { joinNext = clauses.length > 0; return; }
      var atom;
      if (t.field) {
        var split = splitOp(t.text), value = split[1].trim();
        atom = value ? { kind: "field", field: t.field, op: split[0], value: value } : null;
        // A value still being typed is not called unknown yet (its note would flicker).
        if (atom && typingLast && index === lastItem) atom.typing = true;
      } else {
        atom = textAtom(t.text, t.quoted, typingLast && index === lastItem);
      }
      if (!atom) return;
      if (joinNext && clauses.length) clauses[clauses.length - 1].any.push(atom);
      else clauses.push({ negated: t.negated, any: [atom] });
      joinNext = false;
    });
    return clauses;
  }

  // ---- Keys: src/search/mod.rs ----
  // Mirrors search::normalize_artifact, that is artifacts::identify: refang (the
  // notations of src/artifacts/refang.rs), then lowercase all but a URL's user info,
  // path, query and fragment, which keep their case; names and IPv6 addresses in the
  // form the build writes them.
  // A dot or an at sign in brackets takes one space on each side with it.
  var DEFANGED = / ?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}) ?|\[:\/\/\]|\[:\]\/\/|\[:\]|\[\/\]|hxxp(?=s?\[?:)|fxp(?=s?\[?:)/gi;
  function refang(text) {
    return text.replace(DEFANGED, function (m) {
      var k = m.trim().toLowerCase();
      if (k === "hxxp") return "http";
      if (k === "fxp") return "ftp";
      if (k.indexOf("//") >= 0) return "://";
      if (k === "[:]") return ":";
      if (k === "[/]") return "/";
      if (k.indexOf("@") >= 0 || k.indexOf("at") >= 0) return "@";
      return ".";
    });
  }
  // An IPv6 address (a zone dropped) in its canonical form (RFC 5952: lowercase, the
  // longest run of zeros cut), as Rust writes it; the URL parser makes it. Rust writes
  // an IPv4-mapped address with its IPv4 dotted (::ffff:1.2.3.4), the parser in hex
  // (::ffff:102:304): its last two groups are brought to the dotted form.
  function canonicalIpv6(address) {
    if (!/^[0-9a-f:.]+(%.*)?$/i.test(address) || address.split(":").length < 3) return null;
    try {
      var canonical = new URL("http://[" + address.replace(/%.*$/, "") + "]/").hostname.slice(1, -1);
      var mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
      if (!mapped) return canonical;
      var high = parseInt(mapped[1], 16), low = parseInt(mapped[2], 16);
      return "::ffff:" + [high >> 8, high & 255, low >> 8, low & 255].join(".");
    } catch (e) {
      return null;
    }
  }
  // A name written in another script (bücher.de) is indexed in its ASCII form
  // (xn--bcher-kva.de): the browser's URL parser makes it by the same mapping
  // (UTS 46). A port is kept as typed.
  var ASCII = /^[\x00-\x7f]*$/;
  function asciiHost(hostPort) {
    var bracketed = /^\[([^\]]*)\](:\d+)?$/.exec(hostPort);
    var ipv6 = bracketed && canonicalIpv6(bracketed[1]);
    if (ipv6) return "[" + ipv6 + "]" + (bracketed[2] || "");
    if (ASCII.test(hostPort) || hostPort.indexOf(".") < 0) return hostPort.toLowerCase();
    var m = /^(.*?)(:\d+)?$/.exec(hostPort);
    try {
      return new URL("http://" + m[1] + "/").hostname + (m[2] || "");
    } catch (e) {
      return hostPort.toLowerCase();
    }
  }
  // A network in CIDR notation (artifacts::values::network): its own address and
  // prefix (194.26.29.77/24 is 194.26.29.0/24), a one-address prefix that address, an
  // IPv4-mapped range its IPv4 range. Null for anything else.
  function ipv4Number(text) {
    var m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
    if (!m) return null;
    var octets = m.slice(1).map(Number);
    if (octets.some(function (o) { return o > 255; })) return null;
    return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  }
  function ipv4Network(number, prefix) {
    if (prefix < 8 || prefix > 32) return null;
    var mask = prefix === 32 ? 0xffffffff : ~(0xffffffff >>> prefix);
    var first = (number & mask) >>> 0;
    var dotted = [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join(".");
    return prefix === 32 ? dotted : dotted + "/" + prefix;
  }
  function canonicalNetwork(address, prefix) {
    var v4 = ipv4Number(address);
    if (v4 !== null) return ipv4Network(v4, prefix);
    if (address.indexOf("%") >= 0) return null;
    var v6 = canonicalIpv6(address);
    if (!v6) return null;
    var mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
    if (mapped) return prefix >= 96 ? ipv4Network(ipv4Number(mapped[1]), prefix - 96) : null;
    if (prefix < 16 || prefix > 128) return null;
    // The host bits cleared.
    var groups = ipv6Groups(v6).map(function (g, i) {
      var bits = Math.min(16, Math.max(0, prefix - 16 * i));
      var mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
      return (g & mask).toString(16);
    });
    var first = canonicalIpv6(groups.join(":"));
    return prefix === 128 ? first : first + "/" + prefix;
  }
  // The eight groups of a canonical IPv6 address as numbers, the `::` run filled with
  // zeros.
  function ipv6Groups(v6) {
    var halves = v6.split("::");
    var head = halves[0] ? halves[0].split(":") : [];
    var tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
    return head.concat(new Array(8 - head.length - tail.length).fill("0"), tail)
      .map(function (g) { return parseInt(g, 16); });
  }
  // The first and last address of an address or network value in its normal form
  // (src/search/networks.rs, Bounds): its family, and both addresses as hexadecimal
  // digits of one width per family, which order as the addresses do. Null for any
  // other value, or a range wider than a group (a /8 of IPv4, a /16 of IPv6).
  function span(value) {
    var cidr = /^([^\/]*)\/(\d{1,3})$/.exec(value), address = cidr ? cidr[1] : value;
    var v4 = ipv4Number(address), first = "";
    if (v4 !== null) {
      first = ("0000000" + v4.toString(16)).slice(-8);
    } else {
      if (!/^[0-9a-f:]+$/.test(address) || canonicalIpv6(address) !== address) return null;
      ipv6Groups(address).forEach(function (g) { first += ("000" + g.toString(16)).slice(-4); });
    }
    var prefix = cidr ? Number(cidr[2]) : 4 * first.length;
    if (prefix > 4 * first.length) return null;
    // Each hexadecimal digit with its host bits cleared, then set.
    var low = "", high = "";
    for (var i = 0; i < first.length; i++) {
      var bits = Math.min(4, Math.max(0, prefix - 4 * i)), host = 0xf >> bits, digit = parseInt(first[i], 16);
      low += (digit & ~host).toString(16);
      high += (digit | host).toString(16);
    }
    var family = v4 !== null ? "4-" : "6-", group = v4 !== null ? 2 : 4;
    if (low.slice(0, group) !== high.slice(0, group)) return null;
    return { family: family, group: group, first: low, last: high };
  }
  // The documents of the site's values inside a range, as postings in base64, each
  // with what it is of ([value or chunk, postings]): its group's file (a /8 of IPv4, a
  // /16 of IPv6) gives the first address of each chunk of the group's values and the
  // last they reach, then the chunks that may hold some inside the range are read,
  // only their documents when all their values lie inside (src/search/networks.rs,
  // inside).
  function valuesInside(range) {
    var name = range.family + range.first.slice(0, range.group);
    return netFile(name).then(function (group) {
      var starts = group.starts || [], ends = group.ends || [], chunks = [];
      starts.forEach(function (start, n) {
        // A chunk holds values from its start to the next one's, both included.
        var next = starts[n + 1];
        if (start > range.last || (next !== undefined && next < range.first)) return;
        var whole = start >= range.first && ends[n] !== undefined && ends[n] <= range.last;
        chunks.push(netFile(name + "-" + n + (whole ? "-docs" : "")));
      });
      return Promise.all(chunks);
    }).then(function (files) {
      var found = [];
      files.forEach(function (file) {
        if (file.docs !== undefined) found.push([file.name, file.docs]);
        (file.values || []).forEach(function (entry) {
          var s = span(entry[0]);
          if (s && s.family === range.family && range.first <= s.first && s.last <= range.last) found.push(entry);
        });
      });
      return found;
    });
  }
  // The range an artifact filter names (artifact:194.26.0.0/16), if it names one.
  function fieldRange(atom) {
    if (atom.kind !== "field" || atom.field !== "artifact") return null;
    var v = normalizeArtifact(atom.value);
    return v.indexOf("/") >= 0 && v.indexOf("://") < 0 ? span(v) : null;
  }
  function normalizeArtifact(value) {
    var v = refang(value.trim());
    var cidr = /^([0-9a-f:.%]+)\/(\d{1,3})$/i.exec(v);
    var network = cidr && canonicalNetwork(cidr[1], Number(cidr[2]));
    if (network) return network;
    var m = /^([a-z][a-z0-9+.-]*):\/\/([^\/?#]*)(.*)$/i.exec(v);
    if (!m) {
      // An IPv4-mapped address is its IPv4 address (artifacts::values::ip_artifact).
      var ipv6 = canonicalIpv6(v);
      if (ipv6) return ipv6.replace(/^::ffff:(?=\d+\.)/, "");
      // An IPv4 address is one artifact whatever port follows it.
      var ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(v);
      if (ipv4) return ipv4[1];
      // An address's mailbox is lowercased, its domain made ASCII.
      var mailbox = v.lastIndexOf("@") + 1;
      return v.slice(0, mailbox).toLowerCase() + asciiHost(v.slice(mailbox));
    }
    var at = m[2].lastIndexOf("@");
    return m[1].toLowerCase() + "://" + m[2].slice(0, at + 1) + asciiHost(m[2].slice(at + 1)) + m[3];
  }
  function fieldKey(field, value) {
    var v;
    if (field === "artifact") v = normalizeArtifact(value);
    else if (field === "bl") v = fold(value.split(">").map(function (s) { return s.trim(); }).filter(Boolean).join(" > "));
    else v = fold(value.trim());
    return ":" + field + ":" + v;
  }

  // ---- Document sets ----
  // A set of documents is a sorted Uint32Array (a sparse set), or a Bitset over all
  // documents (a dense one: postings stored as bitmaps, large unions), which
  // intersections and unions combine 32 documents at a step. A first query runs
  // before the browser has compiled these loops, so the fewer steps the better: at
  // 100k documents a bitset is 3,125 words, a frequent word's list tens of thousands
  // of numbers (which plain arrays, objects and Maps would make slower still).
  var EMPTY = new Uint32Array(0);
  // Words of a bitset: one bit per document of the index (set with the meta file).
  var setWords = 0;

  // size: how many documents, or -1 until counted.
  function Bitset(words, size) { this.words = words; this.size = size; this.list = null; }
  function newBitset() { return new Bitset(new Uint32Array(setWords), -1); }
  // Whether a Uint32Array's bits follow its bytes' (document d is bit d % 8 of byte
  // d / 8 in both), as on every platform browsers run on: then a bitmap is copied.
  var LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  function isBitset(set) { return set instanceof Bitset; }
  // Sets the bits of the documents of a list.
  function setAll(words, list) {
    for (var i = 0; i < list.length; i++) words[list[i] >>> 5] |= 1 << (list[i] & 31);
  }
  // The documents of a set, ascending (a bitset's are listed once).
  function docsOf(set) {
    if (!isBitset(set)) return set;
    if (set.list) return set.list;
    var words = set.words, out = new Uint32Array(sizeOf(set)), n = 0;
    for (var w = 0; w < words.length; w++) {
      for (var x = words[w]; x; x ^= x & -x) out[n++] = (w << 5) + 31 - Math.clz32(x & -x);
    }
    set.list = out;
    return out;
  }
  function sizeOf(set) {
    if (!isBitset(set)) return set.length;
    if (set.size < 0) {
      set.size = 0;
      for (var w = 0; w < set.words.length; w++) set.size += bitCount(set.words[w]);
    }
    return set.size;
  }
  function bitCount(x) {
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  // A test of membership for documents asked in ascending order.
  function member(set) {
    if (isBitset(set)) {
      var words = set.words;
      return function (d) { return (words[d >>> 5] >>> (d & 31)) & 1; };
    }
    var j = 0;
    return function (d) {
      while (j < set.length && set[j] < d) j++;
      return j < set.length && set[j] === d;
    };
  }

  // best[k] = max(best[k], score) for each result[k] (ascending) in set. Plain loops,
  // no call per document: a first query runs them before the browser compiles them.
  function raiseMembers(result, set, best, score) {
    var k, j, d;
    if (isBitset(set)) {
      var words = set.words;
      for (k = 0; k < result.length; k++) {
        d = result[k];
        if ((words[d >>> 5] >>> (d & 31)) & 1 && score > best[k]) best[k] = score;
      }
      return;
    }
    // Both ascending: a walk through both, or a binary search in result for each
    // document of a set much smaller (title hits mostly are).
    if (set.length * 16 < result.length) {
      var from = 0;
      for (j = 0; j < set.length; j++) {
        var lo = from, hi = result.length;
        while (lo < hi) { var mid = (lo + hi) >>> 1; if (result[mid] < set[j]) lo = mid + 1; else hi = mid; }
        if (lo < result.length && result[lo] === set[j] && score > best[lo]) best[lo] = score;
        from = lo;
      }
      return;
    }
    for (k = 0, j = 0; k < result.length && j < set.length;) {
      d = result[k];
      if (set[j] < d) j++;
      else { if (set[j] === d && score > best[k]) best[k] = score; k++; }
    }
  }

  // scores += best, best emptied for the next clause.
  function addScores(scores, best) {
    for (var k = 0; k < scores.length; k++) { scores[k] += best[k]; best[k] = 0; }
  }

  function intersect(a, b) {
    if (isBitset(a) && isBitset(b)) {
      var out = newBitset(), o = out.words, x = a.words, y = b.words;
      for (var w = 0; w < setWords; w++) o[w] = x[w] & y[w];
      return out;
    }
    if (isBitset(a)) return filter(b, member(a), true);
    if (isBitset(b)) return filter(a, member(b), true);
    var list = new Uint32Array(Math.min(a.length, b.length)), n = 0, i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) i++; else if (a[i] > b[j]) j++; else { list[n++] = a[i]; i++; j++; }
    }
    return list.subarray(0, n);
  }
  // The documents of list that test keeps (or drops).
  function filter(list, test, keep) {
    var out = new Uint32Array(list.length), n = 0;
    for (var i = 0; i < list.length; i++) if (!test(list[i]) === !keep) out[n++] = list[i];
    return out.subarray(0, n);
  }
  function union(a, b) { return unionAll([a, b]); }
  // a without the documents of b.
  function difference(a, b) {
    if (!isBitset(a)) return filter(a, member(b), false);
    var out = newBitset(), o = out.words, x = a.words;
    if (isBitset(b)) {
      for (var w = 0, y = b.words; w < setWords; w++) o[w] = x[w] & ~y[w];
    } else {
      o.set(x);
      for (var i = 0; i < b.length; i++) o[b[i] >>> 5] &= ~(1 << (b[i] & 31));
    }
    return out;
  }
  // The union of many sets at once (one set is itself): a bitset when one is, or when
  // the lists hold more than a document per word of one.
  function unionAll(sets) {
    var nonEmpty = sets.filter(function (set) { return isBitset(set) || set.length; });
    if (nonEmpty.length < 2) return nonEmpty.length ? nonEmpty[0] : EMPTY;
    var total = 0, dense = false;
    nonEmpty.forEach(function (set) { if (isBitset(set)) dense = true; else total += set.length; });
    if (dense || total > setWords) {
      var out = newBitset(), o = out.words;
      nonEmpty.forEach(function (set) {
        if (!isBitset(set)) { setAll(o, set); return; }
        for (var w = 0, x = set.words; w < setWords; w++) o[w] |= x[w];
      });
      return out;
    }
    var all = new Uint32Array(total), at = 0;
    nonEmpty.forEach(function (l) { all.set(l, at); at += l.length; });
    all.sort();
    var n = 0;
    for (var i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i];
    return all.subarray(0, n);
  }
  function range(count) {
    var out = new Uint32Array(count);
    for (var i = 0; i < count; i++) out[i] = i;
    return out;
  }

  // ---- Postings: src/search/codec.rs ----
  function bytesOf(b64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  // Reads the varints of src/search/codec.rs (seven bits a byte, low bits first).
  function Varints(bytes) { this.bytes = bytes; this.at = 0; }
  Varints.prototype.more = function () { return this.at < this.bytes.length; };
  Varints.prototype.next = function () {
    var bytes = this.bytes, value = 0, scale = 1, b;
    do { b = bytes[this.at++]; value += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80);
    return value;
  };

  // The set of a key's postings (src/search/codec.rs): gaps as varints, or a bitmap
  // from a base on.
  function decodePostings(b64) {
    if (!b64) return EMPTY;
    var bytes = bytesOf(b64), read = new Varints(bytes);
    var header = read.next(), count = Math.floor(header / 2);
    if (header % 2 === 0) {
      var docs = new Uint32Array(count), doc = 0;
      for (var n = 0; n < count; n++) { doc = n === 0 ? read.next() : doc + read.next(); docs[n] = doc; }
      return docs;
    }
    var first = read.next(), at = read.at, out = newBitset(), words = out.words;
    out.size = count;
    if (first % 8 === 0 && LITTLE_ENDIAN) {
      // Bitmaps start at a multiple of 8 (src/search/codec.rs): their bytes are the
      // bitset's from byte first / 8 on.
      var into = new Uint8Array(words.buffer), from = first / 8;
      into.set(bytes.subarray(at, at + Math.max(0, Math.min(bytes.length - at, into.length - from))), from);
      return out;
    }
    // Byte k holds documents first + 8k to first + 8k + 7: one or two words' bits.
    for (var k = at; k < bytes.length; k++) {
      var byte = bytes[k];
      if (!byte) continue;
      var d = first + (k - at) * 8, w = d >>> 5, shift = d & 31;
      words[w] |= byte << shift;
      if (shift > 24) words[w + 1] |= byte >>> (32 - shift);
    }
    return out;
  }

  // ---- The engine: src/search/engine.rs ----
  function Engine(meta) {
    this.meta = meta;
    setWords = Math.ceil(meta.docs / 32);
    this.dirs = {};
    meta.dirs.forEach(function (d) { this.dirs[d] = true; }, this);
    // The shard lists of small directories come with the meta file.
    this.listed = {};
    (meta.listed || []).forEach(function (d) { this.listed[d[0]] = d[1]; }, this);
    this.artifactShards = meta.artifact_shards || 0;
    this.rows = {};
    this.parts = {};
    this.pageRows = {};
    // Results a page shows (PAGE in src/search/index.rs).
    this.pageSize = meta.page || 10;
    this.widths = meta.columns.map(function (c) { return c.bits; });
    this.offsets = [];
    this.rowBits = 0;
    this.widths.forEach(function (w) { this.offsets.push(this.rowBits); this.rowBits += w; }, this);
  }

  // The shard prefixes listed in the directory of key (the one with the longest
  // name that starts it), and the root shard.
  Engine.prototype.candidates = function (key) {
    var dirs = this.dirs;
    var name = longestKnownPrefix(key, function (p) { return dirs[p]; });
    if (!name) return Promise.resolve([""]);
    if (this.listed[name]) return Promise.resolve([""].concat(this.listed[name]));
    return dirFile(name).then(function (dir) { return [""].concat(dir.shards); });
  };

  // The longest non-empty prefix of key that is known, or "".
  function longestKnownPrefix(key, known) {
    var chars = Array.from(key);
    for (var n = chars.length; n > 0; n--) {
      var p = chars.slice(0, n).join("");
      if (known(p)) return p;
    }
    return "";
  }

  function longestPrefix(key, prefixes) {
    var set = {};
    prefixes.forEach(function (p) { set[p] = true; });
    return longestKnownPrefix(key, function (p) { return set[p]; });
  }

  // Artifact keys are spread over shards by a hash of the key (hashed_bucket in
  // src/search/index.rs: FNV-1a of its UTF-8 bytes): no directory to load first.
  var HASHED = ":artifact:";
  function hashedBucket(key, shards) {
    var bytes = utf8(key), hash = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % shards;
  }

  Engine.prototype.shardOf = function (key) {
    if (this.artifactShards && key.startsWith(HASHED)) {
      return Promise.resolve(HASHED + "#" + hashedBucket(key, this.artifactShards));
    }
    return this.candidates(key).then(function (prefixes) { return longestPrefix(key, prefixes); });
  };

  function findTerm(terms, key) {
    var lo = 0, hi = terms.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, t = terms[mid][0];
      if (t === key) return terms[mid];
      if (t < key) lo = mid + 1; else hi = mid - 1;
    }
    return null;
  }

  // Keeps display rows ([doc, id, title, date, excerpt, facet row]) that came with other
  // files, so that those documents' display files need not be loaded.
  Engine.prototype.keepRows = function (rows) {
    var pageRows = this.pageRows;
    rows.forEach(function (r) { if (!pageRows[r[0]]) pageRows[r[0]] = r.slice(1); });
  };

  // A frequent key's entry ends with [counts, first page]; other keys' with "".
  Engine.prototype.entry = function (key) {
    var self = this;
    return this.shardOf(key).then(shardFile).then(function (shard) {
      var entry = findTerm(shard.terms, key);
      // The rows of its first page spare loading the display files of those hits.
      if (entry && Array.isArray(entry[3])) self.keepRows(entry[3][1]);
      return entry;
    });
  };

  Engine.prototype.postings = function (key) {
    return this.entry(key).then(function (entry) {
      return entry ? { docs: decodePostings(entry[1]), title: decodePostings(entry[2]) } : { docs: EMPTY, title: EMPTY };
    });
  };

  // The keys whose documents hold every answer of a clause that is no negation and has
  // no OR: its word (not a prefix), its phrase's word pairs, or a field filter's one key
  // (src/search/engine.rs, clause_keys).
  Engine.prototype.clauseKeys = function (clause) {
    if (clause.negated || clause.any.length !== 1) return [];
    var atom = clause.any[0], keys = [];
    if (atom.kind === "word") return atom.prefix ? [] : [atom.term];
    if (atom.kind === "phrase") {
      for (var i = 0; i + 1 < atom.terms.length; i++) keys.push(pairKey(atom.terms[i], atom.terms[i + 1]));
      return keys;
    }
    // A range's own key holds only some of its answers.
    if (fieldRange(atom)) return [];
    keys = this.fieldKeys(atom);
    return keys.length === 1 ? keys : [];
  };
  // The one key whose documents are the whole answer, when the query is one word, one
  // phrase of two words, one term-field value or a column filter that one value passes.
  Engine.prototype.soleKey = function (clauses) {
    var keys = clauses.length === 1 ? this.clauseKeys(clauses[0]) : [];
    return keys.length === 1 ? keys[0] : null;
  };
  // Word pairs sort apart from words (src/search/mod.rs, PAIR_MARK).
  function pairKey(first, second) { return "~" + first + " " + second; }

  // The keys whose documents a field filter matches: a term field's value, or each
  // value of a column that passes the filter.
  Engine.prototype.fieldKeys = function (atom) {
    if (COLUMN_FIELDS.indexOf(atom.field) < 0) {
      // The value as typed, and the detection or actor values it is a label or alias of
      // (meta.names), as fir search does (src/search/engine.rs, field_keys).
      var wanted = fold(atom.value), keys = [fieldKey(atom.field, atom.value)];
      (this.meta.names || []).forEach(function (n) {
        var key = fieldKey(atom.field, n[2]);
        if (n[0] === atom.field && fold(n[1]) === wanted && keys.indexOf(key) < 0) keys.push(key);
      });
      return keys;
    }
    var passes = this.passes(atom);
    if (!passes) return [];
    return passes.values.filter(function (v, i) { return passes.ok[i]; })
      .map(function (v) { return fieldKey(atom.field, v[0]); });
  };

  // Which values of its column a column filter lets through: { column, values, ok },
  // or null when there is no such column.
  Engine.prototype.passes = function (atom) {
    var c = -1;
    this.meta.columns.forEach(function (col, i) { if (col.key === atom.field) c = i; });
    if (c < 0) return null;
    var column = this.meta.columns[c], wanted = fold(atom.value), n = Number(atom.value.trim());
    var numeric = column.numeric && atom.value.trim() !== "" && !isNaN(n);
    // Raw values that the typed text is a configured alias of (tlp:white is CLEAR).
    var aliased = (column.aliases || []).filter(function (a) { return fold(a[0]) === wanted; })
      .map(function (a) { return a[1]; });
    return {
      column: c,
      values: column.values,
      ok: column.values.map(function (v) {
        var x = Number(v[0]);
        if (numeric && v[0] !== "" && !isNaN(x)) {
          switch (atom.op) {
            case "<": return x < n;
            case "<=": return x <= n;
            case ">": return x > n;
            case ">=": return x >= n;
            default: return x === n;
          }
        }
        return fold(v[0]) === wanted || fold(v[1]) === wanted || aliased.indexOf(v[0]) >= 0;
      })
    };
  };

  // The field filters that name no value there is: a column filter that no value
  // passes, with the column's values (labels), or a business line, tag, detection or
  // actor that no incident has (known: []). A typo is said rather than left as an
  // empty list, as `fir search` says it (src/search/engine.rs, unknown_values). A
  // comparison with a number is no unknown value; an artifact not found is a plain answer.
  Engine.prototype.unknownValues = function (clauses) {
    var self = this, out = [];
    clauses.forEach(function (clause) {
      clause.any.forEach(function (atom) {
        if (atom.kind !== "field" || atom.field === "artifact" || atom.typing) return;
        if (COLUMN_FIELDS.indexOf(atom.field) < 0) {
          out.push(Promise.all(self.fieldKeys(atom).map(function (key) { return self.entry(key); })).then(function (found) {
            return found.some(Boolean) ? null : { field: atom.field, value: atom.value, known: [] };
          }));
          return;
        }
        var passes = self.passes(atom);
        var range = atom.op !== "=" && atom.value.trim() !== "" && !isNaN(Number(atom.value.trim()));
        if (!passes || range || passes.ok.some(Boolean)) return;
        out.push({ field: atom.field, value: atom.value, known: passes.values.map(function (v) { return v[1]; }) });
      });
    });
    return Promise.all(out).then(function (all) { return all.filter(Boolean); });
  };

  // For a query made only of column filters, a test of a document's facet row (its
  // value in each column) that passes its answers; null for other queries.
  Engine.prototype.columnTest = function (clauses) {
    var tests = [];
    if (!clauses.length) return null;
    for (var i = 0; i < clauses.length; i++) {
      var alternatives = [];
      for (var k = 0; k < clauses[i].any.length; k++) {
        var atom = clauses[i].any[k];
        if (atom.kind !== "field" || COLUMN_FIELDS.indexOf(atom.field) < 0) return null;
        var passes = this.passes(atom);
        if (passes) alternatives.push(passes);
      }
      tests.push({ negated: clauses[i].negated, alternatives: alternatives });
    }
    // Plain loops: a first query runs this for every cell of the cube before the
    // browser has compiled it.
    return function (values) {
      for (var t = 0; t < tests.length; t++) {
        var alternatives = tests[t].alternatives, any = false;
        for (var a = 0; a < alternatives.length && !any; a++) any = !!alternatives[a].ok[values[alternatives[a].column]];
        if (any === tests[t].negated) return false;
      }
      return true;
    };
  };

  // Facet counts of a query made only of column filters, from the cube of value
  // combinations (src/search/index.rs, cube_data); null for other queries.
  Engine.prototype.cubeCounts = function (clauses) {
    var self = this, passing = this.columnTest(clauses);
    if (!passing || this.rowBits > 32) return Promise.resolve(null);
    return cubeFile().then(function (file) {
      var read = new Varints(bytesOf(file.data)), packed = 0, widths = self.widths, offsets = self.offsets;
      var counts = self.meta.columns.map(function (c) { return new Uint32Array(c.values.length); });
      var values = new Uint32Array(widths.length);
      var masks = widths.map(function (w) { return w >= 32 ? -1 : (1 << w) - 1; });
      while (read.more()) {
        packed += read.next();
        var n = read.next();
        // A combination packs the columns' values in 32 bits at most (rowBits).
        for (var c = 0; c < widths.length; c++) values[c] = ((packed >>> offsets[c]) & masks[c]) >>> 0;
        if (passing(values)) for (var v = 0; v < widths.length; v++) counts[v][values[v]] += n;
      }
      return facetList(self.meta.columns, counts);
    });
  };

  // Facets as the page shows them, from counts by column and value.
  function facetList(columns, counts) {
    return columns.map(function (column, c) {
      return {
        key: column.key,
        values: column.values.map(function (v, i) { return { value: v[0], label: v[1], count: counts[c][i] }; })
          .filter(function (v) { return v.count > 0; })
      };
    });
  }

  // The facet counts stored with a frequent key that holds every answer (answers:
  // ascending), and its documents that are no answer (rest): those of the key whose
  // rest is smallest, when smaller than the answers (src/search/engine.rs,
  // covering_counts); null when no such key was loaded.
  Engine.prototype.covering = function (clauses, answers) {
    var self = this, keys = [];
    clauses.forEach(function (clause) { keys = keys.concat(self.clauseKeys(clause)); });
    return Promise.all(keys.map(function (key) { return self.entry(key); })).then(function (entries) {
      var best = null;
      entries.forEach(function (entry) {
        var counts = entry && (Array.isArray(entry[3]) ? entry[3][0] : entry[3]);
        if (!counts) return;
        var rest = docsOf(difference(decodePostings(entry[1]), answers));
        var fewer = best ? best.rest.length : answers.length;
        if (rest.length < fewer) best = { counts: counts, rest: rest };
      });
      if (!best) return null;
      var read = new Varints(bytesOf(best.counts));
      // Counts stored before the last column gained values end early: zeros.
      var counts = self.meta.columns.map(function (column) {
        return column.values.map(function () { return read.more() ? read.next() : 0; });
      });
      return { counts: counts, rest: best.rest };
    });
  };

  // The facets of a covering key's counts less those of its documents that are no
  // answer (their facet rows loaded).
  Engine.prototype.lessRest = function (cover) {
    var self = this;
    cover.rest.forEach(function (doc) {
      cover.counts.forEach(function (counts, c) { counts[self.value(doc, c)]--; });
    });
    return facetList(this.meta.columns, cover.counts);
  };

  Engine.prototype.prefixPostings = function (start) {
    return this.candidates(start).then(function (all) {
      var prefixes = all.filter(function (p) { return p.indexOf(start) === 0; });
      var own = longestPrefix(start, all);
      if (prefixes.indexOf(own) < 0) prefixes.push(own);
      return Promise.all(prefixes.map(shardFile));
    }).then(function (shards) {
      var docs = [], title = [];
      shards.forEach(function (shard) {
        shard.terms.forEach(function (t) {
          // start is a word's start: field keys (":") and pairs ("~") never match.
          if (t[0].indexOf(start) === 0) {
            docs.push(decodePostings(t[1]));
            title.push(decodePostings(t[2]));
          }
        });
      });
      return { docs: unionAll(docs), title: unionAll(title) };
    });
  };

  Engine.prototype.idf = function (df) { return Math.log(1 + this.meta.docs / (df + 1)); };

  // The documents an atom matches, from the postings of its keys.
  Engine.prototype.atomMatches = function (atom) {
    var self = this;
    if (atom.kind === "word") {
      var exact = this.postings(atom.term);
      var more = atom.prefix ? this.prefixPostings(atom.folded) : Promise.resolve({ docs: EMPTY, title: EMPTY });
      return Promise.all([exact, more]).then(function (r) {
        var docs = union(r[0].docs, r[1].docs);
        return { docs: docs, title: union(r[0].title, r[1].title), weight: self.idf(sizeOf(docs)) };
      });
    }
    if (atom.kind === "phrase") {
      var pairs = [];
      for (var i = 0; i + 1 < atom.terms.length; i++) pairs.push(this.postings(pairKey(atom.terms[i], atom.terms[i + 1])));
      return Promise.all(pairs).then(function (found) {
        var docs = found[0].docs;
        for (var k = 1; k < found.length; k++) docs = intersect(docs, found[k].docs);
        return { docs: docs, title: EMPTY, weight: 2 * self.idf(sizeOf(docs)) };
      });
    }
    var keys = this.fieldKeys(atom);
    return Promise.all(keys.map(function (key) { return self.postings(key); })
      .concat(this.docsInRange(atom))).then(function (found) {
      return { docs: unionAll(found.map(function (p) { return p.docs; })), title: EMPTY, weight: 0 };
    });
  };
  // For an artifact filter naming a range, the documents of the site's addresses and
  // ranges inside it, from the files of its group (src/search/engine.rs,
  // docs_in_range), as one posting list.
  Engine.prototype.docsInRange = function (atom) {
    var range = fieldRange(atom);
    if (!range) return Promise.resolve({ docs: EMPTY });
    return valuesInside(range).then(function (found) {
      return { docs: unionAll(found.map(function (entry) { return decodePostings(entry[1]); })) };
    });
  };

  // Loads the facet rows of docs the cheapest way: their chunks, the parts that hold
  // them, or the whole table, counting each file as FILE_COST bytes more than its size
  // (a round trip costs more than a few hundred bytes).
  var FILE_COST = 2048;
  Engine.prototype.ensureFacets = function (docs) {
    var self = this, meta = this.meta, size = meta.facet_chunk, perPart = meta.facet_part;
    if (this.all) return Promise.resolve();
    var chunks = Math.ceil(meta.docs / size), seen = new Uint8Array(chunks), missing = [], parts = [];
    for (var i = 0; i < docs.length; i++) {
      var chunk = Math.floor(docs[i] / size);
      if (seen[chunk] || this.rows[chunk] || this.parts[Math.floor(chunk / perPart)]) continue;
      seen[chunk] = 1;
      missing.push(chunk);
    }
    if (!missing.length) return Promise.resolve();
    missing.forEach(function (c) { var p = Math.floor(c / perPart); if (parts.indexOf(p) < 0) parts.push(p); });
    var chunkBytes = Math.ceil(size * this.rowBits / 6);
    var byChunks = missing.length * (chunkBytes + FILE_COST);
    var byParts = parts.length * (chunkBytes * perPart + FILE_COST);
    var whole = chunks * chunkBytes + FILE_COST;
    if (whole <= byChunks && whole <= byParts) {
      return facetTable().then(function (file) { self.all = bytesOf(file.data); });
    }
    if (byParts < byChunks) {
      return Promise.all(parts.map(function (p) {
        return facetPart(p).then(function (file) { self.parts[p] = bytesOf(file.data); });
      }));
    }
    return Promise.all(missing.map(function (chunk) {
      return facetFile(chunk).then(function (file) { self.rows[chunk] = bytesOf(file.data); });
    }));
  };

  Engine.prototype.value = function (doc, column) {
    var size = this.meta.facet_chunk, chunk = Math.floor(doc / size), bytes, bit;
    if (this.all) { bytes = this.all; bit = doc * this.rowBits; }
    else if (this.rows[chunk]) { bytes = this.rows[chunk]; bit = (doc % size) * this.rowBits; }
    else {
      var span = size * this.meta.facet_part;
      bytes = this.parts[Math.floor(doc / span)];
      bit = (doc % span) * this.rowBits;
    }
    bit += this.offsets[column];
    var width = this.widths[column], at = bit >> 3, shift = bit & 7;
    if (width + shift <= 24) {
      var word = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      return (word >>> shift) & ((1 << width) - 1);
    }
    var value = 0;
    for (var b = 0; b < width; b++, bit++) {
      if (bytes[bit >> 3] & (1 << (bit & 7))) value |= 1 << b;
    }
    return value;
  };

  // Every match: { docs: ascending, scores: by position in docs }.
  Engine.prototype.matches = function (clauses) {
    var self = this;
    return Promise.all(clauses.map(function (clause) {
      return Promise.all(clause.any.map(function (a) { return self.atomMatches(a); }));
    })).then(function (evaluated) {
      if (!clauses.length) return { docs: EMPTY, scores: new Float64Array(0) };
      var result = null;
      clauses.forEach(function (clause, i) {
        if (clause.negated) return;
        var matched = unionAll(evaluated[i].map(function (m) { return m.docs; }));
        result = result === null ? matched : intersect(result, matched);
      });
      if (result === null) result = range(self.meta.docs);
      clauses.forEach(function (clause, i) {
        if (clause.negated) result = difference(result, unionAll(evaluated[i].map(function (m) { return m.docs; })));
      });
      result = docsOf(result);
      // Scores of the results only, clause after clause: a document scores the best
      // of the alternatives of a clause it matches (a title hit thrice the weight).
      // Every result is in the one alternative of a clause that has one.
      var scores = new Float64Array(result.length), best = new Float64Array(result.length);
      clauses.forEach(function (clause, i) {
        if (clause.negated) return;
        var alternatives = evaluated[i];
        alternatives.forEach(function (m) {
          if (alternatives.length === 1) best.fill(m.weight);
          else raiseMembers(result, m.docs, best, m.weight);
          raiseMembers(result, m.title, best, 3 * m.weight);
        });
        addScores(scores, best);
      });
      return { docs: result, scores: scores };
    });
  };

  // docs (ascending; scores[i] is docs[i]'s) most relevant first, ties newest first:
  // documents grouped by score, as scores take few distinct values.
  var MAX_SCORES = 1024;
  function byRelevance(docs, scores) {
    var values = new Float64Array(MAX_SCORES), counts = new Uint32Array(MAX_SCORES), distinct = 0;
    var of = new Uint16Array(docs.length), last = 0;
    for (var i = 0; i < docs.length; i++) {
      var s = scores[i], k = last;
      if (distinct === 0 || values[k] !== s) {
        for (k = 0; k < distinct && values[k] !== s; k++);
        if (k === distinct) {
          if (distinct === MAX_SCORES) return sortedByScore(docs, scores);
          values[distinct++] = s;
        }
        last = k;
      }
      counts[k]++;
      of[i] = k;
    }
    var ranks = Array.from({ length: distinct }, function (_, k) { return k; })
      .sort(function (a, b) { return values[b] - values[a]; });
    var next = new Uint32Array(distinct), at = 0;
    ranks.forEach(function (k) { next[k] = at; at += counts[k]; });
    var out = new Uint32Array(docs.length);
    for (var j = docs.length - 1; j >= 0; j--) out[next[of[j]]++] = docs[j];
    return out;
  }
  // The same order by a plain sort, for results with many distinct scores.
  function sortedByScore(docs, scores) {
    var order = Array.from(docs.keys()).sort(function (a, b) { return scores[b] - scores[a] || docs[b] - docs[a]; });
    return Uint32Array.from(order, function (i) { return docs[i]; });
  }

  // A first query would run the loops over documents before the browser has compiled
  // them: at 100k documents a first `phishing` spent about 15 ms in them, a second
  // one 3. They run a few times on made-up sets of the index's size once the meta file
  // is in, before the page says it is ready, when no query came with the page
  // (api.warmMs: how long that took, 20-55 ms at 100k documents, 9-15 at 10k).
  function warmUp() {
    var started = performance.now();
    for (var round = 0; round < 3; round++) {
      var a = newBitset(), b = newBitset();
      for (var w = 0; w < setWords; w++) {
        a.words[w] = Math.imul(w + round, 0x9e3779b1);
        b.words[w] = ~a.words[w] ^ (w << 3);
      }
      var docs = docsOf(intersect(a, b)), some = docsOf(a).subarray(0, docs.length >> 2);
      var scores = new Float64Array(docs.length), best = new Float64Array(docs.length);
      // Scores are fractions (weights are logarithms): made-up whole numbers would
      // teach the compiled code the wrong kind of number.
      best.fill(0.5 + round);
      raiseMembers(docs, b, best, 1.25);
      raiseMembers(docs, some, best, 1.5);
      raiseMembers(docs, some.subarray(0, some.length >> 5), best, 2.75);
      addScores(scores, best);
      byRelevance(docs, scores);
      intersect(docs, some);
      difference(unionAll([some, docs.subarray(0, 64)]), b);
    }
    var clauses = parse("warming up", false), text = "Warming up: the text of a result, with matching words. ";
    for (var n = 0; n < 10; n++) highlight(text + text, matchers(clauses), 40);
    api.warmMs = performance.now() - started;
  }

  // The column value whose rows file (VALUE_ROWS in src/search/index.rs) a query loads
  // with its shards, as fir search does (src/search/engine.rs, value_rows): in a query
  // that is not one key alone, the value whose file reaches furthest back
  // (meta.rows_from; ties: the first column and value) among the column filters that one
  // value passes, which every result then has. Its rows mostly hold the first page (by
  // date, or by relevance when filters make most of the query). Gives a promise of nothing.
  Engine.prototype.valueRows = function (clauses) {
    var self = this, value = this.rowsValue(clauses);
    if (!value) return Promise.resolve();
    return rowsFile(value[0], value[1]).then(function (file) { self.keepRows(file.rows); });
  };
  // That value: [column, value], or null.
  Engine.prototype.rowsValue = function (clauses) {
    var from = this.meta.rows_from, best = null;
    if (!from || this.soleKey(clauses)) return null;
    clauses.forEach(function (clause) {
      if (clause.negated || clause.any.length !== 1) return;
      var passes = this.passes(clause.any[0]);
      var values = passes ? passes.ok.reduce(function (out, ok, v) { return ok ? out.concat([v]) : out; }, []) : [];
      if (values.length !== 1 || !from[passes.column]) return;
      var candidate = [from[passes.column][values[0]], passes.column, values[0]];
      var better = !best || candidate[0] < best[0] || (candidate[0] === best[0] &&
        (candidate[1] < best[1] || (candidate[1] === best[1] && candidate[2] < best[2])));
      if (better) best = candidate;
    }, this);
    return best && [best[1], best[2]];
  };

  // The first page of a query of column filters only, when the newest rows of a value
  // every result has hold it: its results among those rows, the total and the facet
  // counts from the cube, no shard loaded (fir search, which reads its files at once,
  // takes the shards). Its outcome (see search) then holds the first page only, and
  // its complete() loads the shards for the others. Null when the rows do not hold it.
  Engine.prototype.firstFromRows = function (clauses, sort) {
    var self = this, value = this.rowsValue(clauses), passing = this.columnTest(clauses);
    if (!value || !passing || this.rowBits > 32) return Promise.resolve(null);
    return Promise.all([rowsFile(value[0], value[1]), this.cubeCounts(clauses)]).then(function (both) {
      var rows = both[0].rows, facets = both[1];
      self.keepRows(rows);
      var total = 0;
      if (facets.length) facets[0].values.forEach(function (v) { total += v.count; });
      // Every result has the value: all of them are in its file when that holds all
      // of the value's documents (or when as many pass as the cube counts), else the
      // newest ones are.
      var found = rows.filter(function (row) { return passing(row[5]); })
        .map(function (row) { return row[0]; })
        .sort(function (a, b) { return b - a; });
      var all = self.meta.rows_from[value[0]][value[1]] === 0 || found.length === total;
      if (!all && found.length < self.pageSize) return null;
      // Filters weigh nothing: by relevance is newest first too.
      return {
        found: Uint32Array.from(all ? found : found.slice(0, self.pageSize)),
        total: total,
        facets: function () { return Promise.resolve(facets); },
        complete: all ? null : function () { return self.everyResult(clauses, sort); }
      };
    });
  };

  // The outcome of a query: its results in order (found: all of them, or the first
  // page only when complete is a function that gives a promise of the outcome with all
  // of them), how many there are (total), and a function that starts loading what
  // their facet counts need (once) and gives a promise of them: the page asks for them
  // once its results show, so that the facet table of a broad query does not hold up
  // their display files.
  Engine.prototype.search = function (clauses, sort) {
    var self = this;
    return this.firstFromRows(clauses, sort).then(function (first) {
      return first || self.everyResult(clauses, sort);
    });
  };
  Engine.prototype.everyResult = function (clauses, sort) {
    var self = this;
    return Promise.all([this.matches(clauses), this.valueRows(clauses)]).then(function (both) {
      var matched = both[0];
      var found = sort === "date" ? matched.docs.slice().reverse() : byRelevance(matched.docs, matched.scores);
      var counted = null;
      function countRows(rowOf) {
        return facetList(self.meta.columns, self.meta.columns.map(function (column, c) {
          var counts = new Uint32Array(column.values.length);
          for (var i = 0; i < found.length; i++) counts[rowOf(i, c)]++;
          return counts;
        }));
      }
      // Counts stored with a key that holds every answer, when every one of its
      // documents is an answer, or from the cube of value combinations (a query of
      // column filters only), or that key's counts less those of its few documents
      // that are no answer, or from the results' facet rows: those of results that
      // all fit on the first page come with their display rows.
      function facets() {
        counted = counted || self.covering(clauses, matched.docs).then(function (cover) {
          if (cover && !cover.rest.length) return self.lessRest(cover);
          return self.cubeCounts(clauses).then(function (cube) {
            if (cube) return cube;
            if (cover && found.length > self.pageSize) {
              return self.ensureFacets(cover.rest).then(function () { return self.lessRest(cover); });
            }
            return null;
          });
        }).then(function (known) {
          if (known) return known;
          if (found.length <= self.pageSize) {
            return self.displayRows(found).then(function (rows) {
              return countRows(function (i, c) { return rows[i][4][c]; });
            });
          }
          return self.ensureFacets(found).then(function () {
            return countRows(function (i, c) { return self.value(found[i], c); });
          });
        });
        return counted;
      }
      return { found: found, total: found.length, facets: facets, complete: null };
    });
  };

  // The display rows of docs ([id, title, date, excerpt, facet row]), from the first
  // pages that came with frequent keys or else from the display files.
  Engine.prototype.displayRows = function (docs) {
    var size = this.meta.display_chunk, pageRows = this.pageRows;
    return Promise.all(Array.from(docs, function (d) {
      return pageRows[d] || displayFile(Math.floor(d / size)).then(function (file) { return file.docs[d % size]; });
    }));
  };

  Engine.prototype.hits = function (found) {
    var self = this;
    return this.displayRows(found).then(function (rows) {
      return rows.map(function (doc) {
        var hit = { id: doc[0], title: doc[1], date: doc[2], excerpt: doc[3] };
        self.meta.columns.forEach(function (column, c) {
          var v = column.values[doc[4][c]] || ["", ""];
          hit[column.key] = { value: v[0], label: v[1] };
        });
        return hit;
      });
    });
  };

  // ---- The page ----
  var results = document.getElementById("search-results");
  var form = document.getElementById("search-form");
  if (!results || !form) return;
  var input = document.getElementById("search-q");
  var sortSelect = document.getElementById("search-sort");
  var facetsBox = document.getElementById("search-facets");
  var strings = results.dataset;
  // Each coloured value's badge class, as the site's pages give it (fir.toml's colours).
  var badgeClasses = JSON.parse(strings.badges || "{}");
  function badge(field, term) {
    var colored = (badgeClasses[field] || {})[term.value];
    return '<span class="badge' + (colored ? " " + escapeHtml(colored) : "") + '">' + escapeHtml(term.label) + "</span>";
  }
  var engine = null, page = 0, current = null, generation = 0;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function matchers(clauses) {
    var terms = {}, prefixes = [];
    clauses.forEach(function (clause) {
      if (clause.negated) return;
      clause.any.forEach(function (a) {
        if (a.kind === "word") { terms[a.term] = true; if (a.prefix) prefixes.push(a.folded); }
        if (a.kind === "phrase") a.terms.forEach(function (t) { terms[t] = true; });
      });
    });
    return function (word) {
      var w = fold(word);
      if (terms[stem(w)]) return true;
      return prefixes.some(function (p) { return w.indexOf(p) === 0; });
    };
  }

  // The text with matching words marked; a long text starts near its first match.
  function highlight(text, matches, window) {
    var out = "", last = 0, first = -1, m;
    WORD.lastIndex = 0;
    var marks = [];
    while ((m = WORD.exec(text)) !== null) {
      if (matches(m[0])) { marks.push([m.index, m.index + m[0].length]); if (first < 0) first = m.index; }
    }
    var start = 0;
    if (window && first > window) start = text.lastIndexOf(" ", first - 40) + 1;
    if (start > 0) out = "… ";
    last = start;
    marks.forEach(function (r) {
      if (r[0] < start) return;
      out += escapeHtml(text.slice(last, r[0])) + "<mark>" + escapeHtml(text.slice(r[0], r[1])) + "</mark>";
      last = r[1];
    });
    return out + escapeHtml(text.slice(last));
  }

  // A UI string's {placeholders} filled; a count n picks its form ("one|other": the
  // first for 1, and for 0 too in French), as fill does in the templates (src/render).
  function fill(template, values) {
    var forms = template.split("|");
    if (forms.length === 2 && typeof values.n === "number") {
      var n = Math.abs(values.n);
      var singular = document.documentElement.lang === "fr" ? n < 2 : n === 1;
      template = forms[singular ? 0 : 1];
    }
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function filterText(key, value) {
    return key + ":" + (/\s/.test(value) ? '"' + value + '"' : value);
  }

  function renderFacets(facets) {
    var html = "";
    facets.forEach(function (facet) {
      if (!facet.values.length) return;
      html += '<section class="facet" data-key="' + escapeHtml(facet.key) + '"><h2>' +
        escapeHtml(strings["facet" + facet.key.charAt(0).toUpperCase() + facet.key.slice(1)] || facet.key) + "</h2><ul>";
      facet.values.forEach(function (v) {
        html += '<li><button type="button" data-filter="' + escapeHtml(filterText(facet.key, v.value)) + '">' +
          escapeHtml(v.label) + ' <span class="count">' + v.count + "</span></button></li>";
      });
      html += "</ul></section>";
    });
    facetsBox.innerHTML = html;
  }

  // The HTML of the current page of results.
  function pageHtml(clauses) {
    var outcome = current, size = engine.pageSize, pages = Math.max(1, Math.ceil(outcome.total / size));
    page = Math.min(page, pages - 1);
    if (outcome.complete && (page + 1) * size > outcome.found.length) {
      // A later page than the first of a query answered from a value's rows.
      return outcome.complete().then(function (whole) {
        outcome.found = whole.found;
        outcome.complete = null;
        return pageHtml(clauses);
      });
    }
    var slice = Array.from(outcome.found.subarray(page * size, (page + 1) * size));
    return Promise.all([engine.hits(slice), engine.unknownValues(clauses)]).then(function (r) {
      var hits = r[0], matches = matchers(clauses);
      var html = '<p class="search-count">' + escapeHtml(fill(strings.results, { n: outcome.total })) + "</p>";
      r[1].forEach(function (u) {
        html += '<p class="search-note">' + escapeHtml(fill(u.known.length ? strings.unknown : strings.unknownTerm, {
          field: u.field, value: u.value, values: u.known.join(", ")
        })) + "</p>";
      });
      if (!outcome.total) html += '<p class="empty">' + escapeHtml(strings.none) + "</p>";
      html += '<ol class="search-hits">';
      hits.forEach(function (hit) {
        html += '<li class="hit" data-id="' + escapeHtml(hit.id) + '"><a href="incidents/' + encodeURIComponent(hit.id) +
          '.html">' + highlight(hit.title, matches, 0) + "</a>" +
          '<div class="hit-meta"><span class="id">' + escapeHtml(hit.id) + '</span> <time>' + escapeHtml(hit.date) +
          "</time> " + badge("category", hit.category) + " " + badge("severity", hit.severity) + " " +
          badge("status", hit.status) + "</div>" +
          '<p class="snippet">' + highlight(hit.excerpt, matches, 120) + "</p></li>";
      });
      html += "</ol>";
      if (pages > 1) {
        html += '<nav class="pager search-pager"><button type="button" data-page="' + (page - 1) + '"' +
          (page === 0 ? " disabled" : "") + ">" + escapeHtml(strings.previous) + "</button> <span>" +
          escapeHtml(fill(strings.page, { page: page + 1, pages: pages })) + '</span> <button type="button" data-page="' +
          (page + 1) + '"' + (page + 1 >= pages ? " disabled" : "") + ">" + escapeHtml(strings.next) + "</button></nav>";
      }
      return html;
    });
  }

  function showPage(html) {
    results.innerHTML = html;
  }

  function run(typing) {
    var query = input.value, sort = sortSelect.value, mine = ++generation;
    var started = performance.now();
    results.setAttribute("data-state", "busy");
    try {
      var url = "?q=" + encodeURIComponent(query) + (sort === "date" ? "&sort=date" : "");
      history.replaceState(null, "", url);
    } catch (e) { /* file:// may refuse: the URL is only a convenience */ }
    var clauses = parse(query, typing);
    return engine.search(clauses, sort).then(function (outcome) {
      if (mine !== generation) return;
      current = outcome;
      page = 0;
      // The results show as soon as their page is ready, then the facet counts when
      // theirs are (the facet table of a broad query of several words is the largest
      // file a query loads: loaded first, it would hold up the display files).
      facetsBox.setAttribute("aria-busy", "true");
      var shown = pageHtml(clauses).then(function (html) {
        if (mine !== generation) return;
        showPage(html);
        api.lastMs = performance.now() - started;
        results.setAttribute("data-ms", api.lastMs.toFixed(1));
      });
      var counted = shown.then(outcome.facets).then(function (facets) {
        if (mine !== generation) return;
        renderFacets(facets);
        facetsBox.removeAttribute("aria-busy");
        api.facetsMs = performance.now() - started;
      });
      return Promise.all([shown, counted]).then(function () {
        if (mine === generation) results.setAttribute("data-state", "done");
      });
    }).catch(function (error) {
      results.textContent = String(error.message || error);
      results.setAttribute("data-state", "error");
    });
  }
  api.run = run;

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(true); }, 80);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); run(false); });
  sortSelect.addEventListener("change", function () { run(false); });
  facetsBox.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-filter]");
    if (!button) return;
    input.value = (input.value.trim() + " " + button.getAttribute("data-filter")).trim() + " ";
    run(false);
  });
  results.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-page]");
    if (!button || !current) return;
    page = Number(button.getAttribute("data-page"));
    var mine = generation;
    pageHtml(parse(input.value, false)).then(function (html) { if (mine === generation) showPage(html); });
  });

  loadFile("search/meta.js", "meta").then(function (meta) {
    meta.fold.forEach(function (pair) { for (var c of pair[0]) folds[c] = pair[1]; });
    engine = new Engine(meta);
    var params = new URLSearchParams(location.search);
    if (params.get("sort") === "date") sortSelect.value = "date";
    // A query in the address (the search box of every page) runs at once; else the
    // page waits for one to be typed, and has the time to warm up.
    if (params.get("q")) { input.value = params.get("q"); run(false); } else warmUp();
    results.setAttribute("data-ready", "true");
  }).catch(function (error) { results.textContent = String(error.message || error); });
})();
