// Stub of the token-macro plugin's MacroEvaluationException (tests/consumers/jenkins/README.md).
package org.jenkinsci.plugins.tokenmacro;

public class MacroEvaluationException extends Exception {
    public MacroEvaluationException(String message) {
        super(message);
    }
}
