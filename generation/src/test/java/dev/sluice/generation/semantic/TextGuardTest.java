package dev.sluice.generation.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextGuardTest {
    static TextGuard.Difference diff(String a, String b) {
        return TextGuard.difference(TextGuard.of(a), TextGuard.of(b));
    }

    @Test
    void shouldAcceptAParaphrase() {
        assertThat(diff("How do I reset my password?", "What's the way to reset my password?")).isNull();
    }

    @Test
    void shouldRefuseANegation() {
        assertThat(diff("Is it safe to eat raw cookie dough?", "Is it not safe to eat raw cookie dough?"))
                .isEqualTo(TextGuard.Difference.NEGATION);
        assertThat(diff("Why is my phone charging?", "Why isn't my phone charging?")).isEqualTo(TextGuard.Difference.NEGATION);
    }

    @Test
    void shouldRefuseOtherNumbersWrittenEitherWay() {
        assertThat(diff("What is 15% of 80?", "What is 15% of 800?")).isEqualTo(TextGuard.Difference.NUMBERS);
        assertThat(diff("How many calories are in 2 eggs?", "How many calories are in three eggs?")).isEqualTo(TextGuard.Difference.NUMBERS);
        assertThat(diff("Split 1,000 four ways", "Split 1000 4 ways")).isNull();
    }

    @Test
    void shouldRefuseOtherUnits() {
        assertThat(diff("How far is 10 km in miles?", "How far is 10 miles in km?")).isNotNull();
        assertThat(diff("Convert 30 °C to Fahrenheit", "Convert 30 °F to Celsius")).isNotNull();
        assertThat(diff("Is 5kg a lot?", "Is 5 lbs a lot?")).isEqualTo(TextGuard.Difference.UNITS);
    }

    @Test
    void shouldRefuseAnotherLanguageOrScript() {
        assertThat(diff("How do I reset my password?", "Comment réinitialiser mon mot de passe ?")).isEqualTo(TextGuard.Difference.LANGUAGE);
        assertThat(diff("What is photosynthesis?", "Что такое фотосинтез?")).isEqualTo(TextGuard.Difference.LANGUAGE);
    }

    @Test
    void shouldRefuseAnotherEntityOrTheSameEntitiesSwapped() {
        assertThat(diff("What is the capital of Australia?", "What is the capital of Austria?")).isEqualTo(TextGuard.Difference.ENTITIES);
        assertThat(diff("Fly from Paris to London cheaply?", "Cheapest flights from London to Paris?")).isEqualTo(TextGuard.Difference.ORDER);
    }

    @Test
    void shouldRefuseTheSameWordsInAnotherOrder() {
        assertThat(diff("Does the dog chase the cat?", "Does the cat chase the dog?")).isEqualTo(TextGuard.Difference.ORDER);
    }
}
