// Compile-time stub (tests/consumers/jenkins/README.md): the annotation only, no behaviour.
package edu.umd.cs.findbugs.annotations;

public @interface SuppressFBWarnings {
    String[] value() default {};
}
