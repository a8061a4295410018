// Stub of the token-macro plugin's DataBoundTokenMacro (tests/consumers/jenkins/README.md): the two
// evaluate methods a macro implements; @Parameter fields are set by the caller (the harness).
package org.jenkinsci.plugins.tokenmacro;

import hudson.FilePath;
import hudson.model.AbstractBuild;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

public abstract class DataBoundTokenMacro {
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Parameter {
        boolean required() default false;

        String alias() default "";
    }

    public abstract String evaluate(AbstractBuild<?, ?> context, TaskListener listener, String macroName)
            throws MacroEvaluationException, IOException, InterruptedException;

    public String evaluate(Run<?, ?> run, FilePath workspace, TaskListener listener, String macroName)
            throws MacroEvaluationException, IOException, InterruptedException {
        throw new MacroEvaluationException("not implemented");
    }

    public abstract boolean acceptsMacroName(String macroName);
}
