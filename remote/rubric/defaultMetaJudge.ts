/**
 * The built-in meta-judge template (Meta-Rewarding, Wu et al. 2024), in our own words: the model compares two of
 * its own judgments of one answer against the rubric they applied and names the more faithful one. The pipeline
 * asks every pair in both orders, so a preference for one position cannot pass as a preference for a judgment.
 */
export const DEFAULT_META_JUDGE = `You are checking the work of graders. Two graders each read the same answer to a user's instruction,
applied the rubric below to it, wrote a justification and ended with a score. Your task is to decide which of the
two evaluations applies the rubric more faithfully to this answer.

<rubric>
{{rubric}}
</rubric>

<instruction>
{{instruction}}
</instruction>

<response>
{{response}}
</response>

<evaluation-a>
{{judgment_a}}
</evaluation-a>

<evaluation-b>
{{judgment_b}}
</evaluation-b>

Read the answer yourself first. Then check each evaluation: does it award exactly the points this answer earns
under the rubric, is its reasoning true of the answer, and is its score the total of the points it names? A longer
evaluation is not a better one, and a higher score is not a better one; the more accurate evaluation is.

Write a few sentences comparing the two evaluations. Then end with one last line naming the better one, in exactly
this form:
Winner: A
or
Winner: B
`;
