package dev.sluice.generation.semantic;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The second check after cosine similarity: two texts whose embeddings are close may still ask different things.
 * Sentence embeddings such as all-MiniLM-L6-v2 place "is X safe" and "is X not safe", "5 km" and "50 km", "Paris to
 * London" and "London to Paris" almost on top of each other, so the similarity alone cannot tell them apart. This
 * compares features that decide the answer and refuses a hit when any differs:
 * <ul>
 *   <li><b>negation</b>: the number of negating words (not, no, never, n't, without, … and a few in other languages);</li>
 *   <li><b>numbers</b>: every number, digits or words ("five", "a dozen" is not one), as a multiset;</li>
 *   <li><b>units</b>: the set of units and currencies (km vs miles, °C vs °F, USD vs EUR);</li>
 *   <li><b>language</b>: by stop words and script; an answer is in the asker's language;</li>
 *   <li><b>entities</b>: capitalised words inside a sentence must appear in the other text, and when both name the
 *       same two or more entities they must do so in the same order ("from Paris to London");</li>
 *   <li><b>order</b>: the same content words in another order ("dog bites man") are another question.</li>
 * </ul>
 * Pure and thread-safe. It errs towards "different": a refused paraphrase costs one provider call, a false hit
 * gives a user the wrong answer.
 */
public final class TextGuard {
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{M}\\p{N}]+(?:['’][\\p{L}]+)?|[%°$€£¥]");
    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nobody", "nothing", "neither",
            "nor", "nowhere", "without", "cannot", "cant", "dont", "doesnt", "isnt", "arent", "wasnt", "werent", "wont",
            "shouldnt", "wouldnt", "couldnt", "didnt", "hasnt", "havent", "hadnt", "mustnt", "aint", "non",
            "nicht", "kein", "keine", "keinen", "nie", "ne", "pas", "jamais", "nunca", "nada", "ningún", "ninguna");
    private static final Map<String, String> NUMBER_WORDS = numberWords();
    private static final Map<String, String> UNITS = units();
    private static final Set<String> TIME_UNITS = Set.of("s", "min", "h", "day", "week", "month", "year");
    private static final Map<String, Set<String>> STOP_WORDS = Map.of(
            "en", Set.of("the", "is", "are", "what", "how", "do", "does", "i", "my", "to", "of", "and", "in", "a", "an",
                    "can", "should", "it", "for", "with", "why", "which", "when", "where", "you", "on", "be", "that", "this"),
            "fr", Set.of("le", "la", "les", "est", "sont", "que", "quel", "quelle", "comment", "je", "mon", "ma", "mes",
                    "de", "des", "du", "et", "un", "une", "pour", "avec", "pourquoi", "dans", "il", "elle", "faire", "qu'est"),
            "de", Set.of("der", "die", "das", "ist", "sind", "was", "wie", "ich", "mein", "meine", "zu", "und", "ein",
                    "eine", "für", "mit", "warum", "welche", "wann", "wo", "kann", "man", "den", "dem", "im"),
            "es", Set.of("el", "la", "los", "las", "es", "son", "qué", "que", "cómo", "como", "mi", "mis", "de", "y", "un",
                    "una", "para", "con", "por", "cuál", "cuándo", "dónde", "puedo", "se", "en", "lo"),
            "it", Set.of("il", "lo", "la", "gli", "le", "è", "sono", "che", "cosa", "come", "mio", "mia", "di", "e", "un",
                    "una", "per", "con", "perché", "quale", "quando", "dove", "posso", "si", "nel"),
            "pt", Set.of("o", "a", "os", "as", "é", "são", "que", "como", "meu", "minha", "de", "e", "um", "uma", "para",
                    "com", "por", "qual", "quando", "onde", "posso", "se", "em", "do", "da", "não"),
            "nl", Set.of("de", "het", "een", "is", "zijn", "wat", "hoe", "ik", "mijn", "van", "en", "voor", "met",
                    "waarom", "welke", "wanneer", "waar", "kan", "je", "niet"));
    private static final Set<String> ALL_STOP_WORDS = allStopWords();

    private TextGuard() {}

    /** What of a text decides its answer; compute once per text. */
    public record Features(int negations, List<String> numbers, Set<String> units, String language, String scripts,
                           Set<String> entities, List<String> entityOrder, Set<String> tokens, List<String> contentWords) {}

    /** Outcome of a comparison: {@code null} reason means compatible. */
    public enum Difference { NEGATION, NUMBERS, UNITS, LANGUAGE, ENTITIES, ORDER }

    public static Features of(String raw) {
        String text = Normalizer.normalize(raw, Normalizer.Form.NFKC).replace('’', '\'')
                .replaceAll("°\\s*[Cc]\\b", " celsius").replaceAll("°\\s*[Ff]\\b", " fahrenheit")
                .replaceAll("(\\d)(\\p{L})", "$1 $2");
        List<String> numbers = new ArrayList<>();
        Matcher n = NUMBER.matcher(text);
        while (n.find()) {
            numbers.add(canonicalNumber(n.group()));
        }
        Set<String> entities = new HashSet<>();
        List<String> entityOrder = new ArrayList<>();
        List<String> contentWords = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        Set<String> units = new HashSet<>();
        Map<String, Integer> languageVotes = new HashMap<>();
        int negations = 0;
        boolean sentenceStart = true;
        boolean afterNumber = false;
        Matcher t = TOKEN.matcher(text);
        int lastEnd = 0;
        while (t.find()) {
            String gap = text.substring(lastEnd, t.start());
            if (gap.matches(".*[.!?:;\\n].*")) {
                sentenceStart = true;
            }
            lastEnd = t.end();
            String word = t.group();
            String lower = word.toLowerCase(Locale.ROOT);
            String bare = lower.replace("'", "");
            tokens.add(lower);
            if (NEGATIONS.contains(bare) || lower.endsWith("n't")) {
                negations++;
            }
            String numberWord = NUMBER_WORDS.get(lower);
            if (numberWord != null) {
                numbers.add(numberWord);
            }
            String unit = UNITS.get(lower);
            // "how many minutes" and "how long" ask the same; "5 minutes" and "5 hours" do not.
            if (unit != null && (afterNumber || !TIME_UNITS.contains(unit))) {
                units.add(unit);
            }
            afterNumber = numberWord != null || Character.isDigit(word.codePointAt(0));
            STOP_WORDS.forEach((language, words) -> {
                if (words.contains(lower)) {
                    languageVotes.merge(language, 1, Integer::sum);
                }
            });
            boolean capitalised = Character.isUpperCase(word.codePointAt(0)) && !lower.equals("i");
            if (capitalised && !sentenceStart && !ALL_STOP_WORDS.contains(lower)) {
                String entity = stripPossessive(lower);
                if (entities.add(entity)) {
                    entityOrder.add(entity);
                }
            }
            if (!ALL_STOP_WORDS.contains(lower) && !Character.isDigit(word.codePointAt(0))) {
                contentWords.add(stem(stripPossessive(lower)));
            }
            sentenceStart = false;
        }
        numbers.sort(null);
        return new Features(negations, List.copyOf(numbers), Set.copyOf(units), language(languageVotes), scripts(text),
                Set.copyOf(entities), List.copyOf(entityOrder), Set.copyOf(tokens), List.copyOf(contentWords));
    }

    /** The first feature that differs, or {@code null} when nothing the guard knows about does. */
    public static Difference difference(Features a, Features b) {
        if (a.negations() != b.negations()) {
            return Difference.NEGATION;
        }
        if (!a.numbers().equals(b.numbers())) {
            return Difference.NUMBERS;
        }
        if (!a.units().equals(b.units())) {
            return Difference.UNITS;
        }
        if (!a.scripts().equals(b.scripts())
                || (!a.language().equals("und") && !b.language().equals("und") && !a.language().equals(b.language()))) {
            return Difference.LANGUAGE;
        }
        if (!mentioned(a.entities(), b) || !mentioned(b.entities(), a)) {
            return Difference.ENTITIES;
        }
        List<String> shared = a.entityOrder().stream().filter(b.entities()::contains).toList();
        List<String> sharedInB = b.entityOrder().stream().filter(a.entities()::contains).toList();
        if (shared.size() >= 2 && !shared.equals(sharedInB)) {
            return Difference.ORDER;
        }
        if (!a.contentWords().equals(b.contentWords()) && sorted(a.contentWords()).equals(sorted(b.contentWords()))) {
            return Difference.ORDER;
        }
        // The words both share, in another order: "pay rent with a credit card" / "pay a credit card with rent".
        // Also refuses some true paraphrases ("a runny yolk" / "the yolk runny"): measured, and accepted.
        List<String> sharedWords = firstOccurrences(a.contentWords(), b.contentWords());
        if (sharedWords.size() >= 2 && !sharedWords.equals(firstOccurrences(b.contentWords(), a.contentWords()))) {
            return Difference.ORDER;
        }
        return null;
    }

    public static boolean compatible(Features a, Features b) {
        return difference(a, b) == null;
    }

    private static boolean mentioned(Set<String> entities, Features other) {
        for (String e : entities) {
            if (!other.tokens().contains(e) && !other.tokens().contains(e + "'s") && !other.entities().contains(e)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> firstOccurrences(List<String> words, List<String> other) {
        Set<String> in = new HashSet<>(other);
        return new java.util.LinkedHashSet<>(words).stream().filter(in::contains).toList();
    }

    private static List<String> sorted(List<String> words) {
        List<String> copy = new ArrayList<>(words);
        copy.sort(null);
        return copy;
    }

    /** A plural or third-person "s" dropped ("eats" = "eat", "cats" = "cat"), so word order compares words. */
    private static String stem(String word) {
        return word.length() > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.substring(0, word.length() - 1) : word;
    }

    private static String stripPossessive(String lower) {
        return lower.endsWith("'s") ? lower.substring(0, lower.length() - 2) : lower;
    }

    private static String canonicalNumber(String digits) {
        // "1,000" and "1.000" and "1000" are one number; "2.5" and "2,5" too (a decimal keeps one separator).
        String[] parts = digits.split("[.,]");
        if (parts.length > 1 && parts[parts.length - 1].length() == 3) {
            return stripZeros(String.join("", parts));
        }
        if (parts.length == 2) {
            return stripZeros(parts[0]) + "." + parts[1];
        }
        return stripZeros(String.join("", parts));
    }

    private static String stripZeros(String s) {
        String out = s.replaceFirst("^0+(?=\\d)", "");
        return out.isEmpty() ? "0" : out;
    }

    private static String language(Map<String, Integer> votes) {
        String best = "und";
        int bestVotes = 0;
        boolean tie = false;
        for (Map.Entry<String, Integer> e : new TreeMap<>(votes).entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
                tie = false;
            } else if (e.getValue() == bestVotes) {
                tie = true;
            }
        }
        return bestVotes < 2 || tie ? "und" : best;
    }

    private static String scripts(String text) {
        TreeMap<String, Boolean> seen = new TreeMap<>();
        text.codePoints().filter(Character::isLetter).forEach(cp -> {
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            if (script != Character.UnicodeScript.COMMON && script != Character.UnicodeScript.INHERITED) {
                seen.put(script.name(), true);
            }
        });
        return String.join(",", seen.keySet());
    }

    private static Set<String> allStopWords() {
        Set<String> all = new HashSet<>();
        STOP_WORDS.values().forEach(all::addAll);
        all.addAll(List.of("a", "an", "the", "please", "me", "we", "our", "your", "there", "any", "some", "than",
                "was", "were", "will", "would", "could", "did", "has", "have", "had", "from", "at", "by", "about", "into",
                "or", "if", "so", "get", "its", "their", "they", "he", "she", "him", "her", "them", "us", "am", "been", "his",
                "hers", "who", "whom", "whose", "way", "want", "need", "there", "then", "also", "just", "really", "much", "many"));
        return Set.copyOf(all);
    }

    private static Map<String, String> numberWords() {
        Map<String, String> m = new HashMap<>();
        String[] en = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
        for (int i = 0; i < en.length; i++) {
            m.put(en[i], Integer.toString(i));
        }
        String[] ordinals = {"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"};
        for (int i = 1; i < ordinals.length; i++) {
            m.put(ordinals[i], Integer.toString(i));
        }
        m.put("thirty", "30");
        m.put("forty", "40");
        m.put("fifty", "50");
        m.put("sixty", "60");
        m.put("hundred", "100");
        m.put("thousand", "1000");
        m.put("million", "1000000");
        m.put("billion", "1000000000");
        m.put("half", "0.5");
        m.put("twice", "2");
        m.put("double", "2");
        m.put("triple", "3");
        m.put("dozen", "12");
        return Map.copyOf(m);
    }

    private static Map<String, String> units() {
        Map<String, String> m = new HashMap<>();
        unit(m, "km", "km", "kms", "kilometer", "kilometers", "kilometre", "kilometres");
        unit(m, "mi", "mile", "miles");
        unit(m, "m", "meter", "meters", "metre", "metres");
        unit(m, "cm", "cm", "centimeter", "centimeters", "centimetre", "centimetres");
        unit(m, "mm", "mm", "millimeter", "millimeters", "millimetre", "millimetres");
        unit(m, "in", "inch", "inches");
        unit(m, "ft", "ft", "foot", "feet");
        unit(m, "kg", "kg", "kgs", "kilo", "kilos", "kilogram", "kilograms");
        unit(m, "g", "gram", "grams", "g");
        unit(m, "lb", "lb", "lbs", "pound", "pounds");
        unit(m, "oz", "oz", "ounce", "ounces");
        unit(m, "l", "liter", "liters", "litre", "litres");
        unit(m, "ml", "ml", "milliliter", "milliliters", "millilitre", "millilitres");
        unit(m, "gal", "gallon", "gallons");
        unit(m, "cup", "cup", "cups");
        unit(m, "tbsp", "tbsp", "tablespoon", "tablespoons");
        unit(m, "tsp", "tsp", "teaspoon", "teaspoons");
        unit(m, "c", "celsius", "centigrade");
        unit(m, "f", "fahrenheit");
        unit(m, "s", "second", "seconds", "sec", "secs");
        unit(m, "min", "minute", "minutes", "min", "mins");
        unit(m, "h", "hour", "hours", "hr", "hrs");
        unit(m, "day", "day", "days");
        unit(m, "week", "week", "weeks");
        unit(m, "month", "month", "months");
        unit(m, "year", "year", "years");
        unit(m, "usd", "usd", "dollar", "dollars", "$");
        unit(m, "eur", "eur", "euro", "euros", "€");
        unit(m, "gbp", "gbp", "sterling", "£");
        unit(m, "jpy", "jpy", "yen", "¥");
        unit(m, "pct", "%", "percent", "percentage");
        unit(m, "kb", "kb", "kilobyte", "kilobytes");
        unit(m, "mb", "mb", "megabyte", "megabytes");
        unit(m, "gb", "gb", "gigabyte", "gigabytes");
        unit(m, "tb", "tb", "terabyte", "terabytes");
        unit(m, "mph", "mph");
        unit(m, "kmh", "kmh", "kph");
        unit(m, "w", "watt", "watts", "w");
        unit(m, "kw", "kw", "kilowatt", "kilowatts");
        unit(m, "kwh", "kwh");
        unit(m, "v", "volt", "volts");
        unit(m, "mg", "mg", "milligram", "milligrams");
        unit(m, "cal", "calorie", "calories", "kcal");
        return Map.copyOf(m);
    }

    private static void unit(Map<String, String> m, String id, String... names) {
        for (String name : names) {
            m.put(name, id);
        }
    }
}
