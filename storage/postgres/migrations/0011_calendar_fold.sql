-- The calendar's search key (calendar_events.subject_key) is the subject
-- folded by hanok.Fold, the one case fold of the project, where it was
-- strings.ToLower. The two differ only on the lower-case letters that are
-- not the lower case of their upper case (the Greek final sigma, the long
-- s, the micro sign, the dotless i, ...): those are folded here, one
-- replace() each, so that every stored key is Fold(subject).
UPDATE calendar_events SET subject_key =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(subject_key, 'µ', 'μ'), 'ı', 'i'), 'ſ', 's'), 'ͅ', 'ι'), 'ς', 'σ'), 'ϐ', 'β'), 'ϑ', 'θ'), 'ϕ', 'φ'), 'ϖ', 'π'), 'ϰ', 'κ'), 'ϱ', 'ρ'), 'ϵ', 'ε'), 'ᲀ', 'в'), 'ᲁ', 'д'), 'ᲂ', 'о'), 'ᲃ', 'с'), 'ᲄ', 'т'), 'ᲅ', 'т'), 'ᲆ', 'ъ'), 'ᲇ', 'ѣ'), 'ᲈ', 'ꙋ'), 'ẛ', 'ṡ'), 'ι', 'ι');
