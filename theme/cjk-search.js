// Search in Chinese: the query's side of scripts/cjk_search.py. mdBook's
// search (elasticlunr) cuts a query into words at spaces and trims every
// character that is not a Latin letter, digit or _ from both ends of a word,
// so a Chinese query came to nothing. scripts/cjk_search.py puts each run of
// Han characters of the book into the index, in fields of their own, as its
// pairs of characters (and its last character); here a query's Han runs
// become the same pairs (a run
// of one character stays one, which elasticlunr expands to every token it
// begins), and they skip elasticlunr's English pipeline (trimmer, stop words,
// stemmer), which would erase them. Everything else of a query, English
// words and the Latin parts of a mixed word ("LeNet的" gives "lenet"), goes
// through elasticlunr as before.
//
// Both changes are looked up by elasticlunr at each search, not when it
// loads the index, so they hold whenever this file runs before the first
// search: mdBook loads the index only once search is opened.
(function () {
    "use strict";
    if (typeof elasticlunr === "undefined") {
        return; // search disabled
    }
    // The same class as HAN_CLASS in scripts/cjk_search.py (its test checks).
    var HAN_RUN = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)/;
    var ONLY_HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$/;

    // A query's Han run as index tokens: its pairs, or the one character.
    function pairs(run) {
        if (run.length === 1) {
            return [run];
        }
        var out = [];
        for (var i = 0; i + 1 < run.length; i++) {
            out.push(run.slice(i, i + 2));
        }
        return out;
    }

    var words = elasticlunr.tokenizer;
    function tokenizer() {
        var out = [];
        words.apply(this, arguments).forEach(function (word) {
            // split() with a capturing group keeps the runs, at odd indices.
            word.split(HAN_RUN).forEach(function (part, i) {
                if (i % 2 === 1) {
                    out = out.concat(pairs(part));
                } else if (part !== "" || i === 0) {
                    out.push(part);
                }
            });
        });
        return out;
    }
    // The word splitter reads its separator from elasticlunr.tokenizer.seperator.
    Object.keys(words).forEach(function (key) {
        tokenizer[key] = words[key];
    });
    elasticlunr.tokenizer = tokenizer;

    var englishPipeline = elasticlunr.Pipeline.prototype.run;
    elasticlunr.Pipeline.prototype.run = function (tokens) {
        return englishPipeline.call(this, tokens.filter(function (t) { return !ONLY_HAN.test(t); }))
            .concat(tokens.filter(function (t) { return ONLY_HAN.test(t); }));
    };
})();
