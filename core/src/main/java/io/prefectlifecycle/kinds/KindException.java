package io.prefectlifecycle.kinds;

/** A change that cannot become an event (e.g. an undecryptable block document). Never carries row values. */
public final class KindException extends RuntimeException {

    public KindException(String message) {
        super(message);
    }
}
