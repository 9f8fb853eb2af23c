/** The built-in judge rubric: the paper's additive 0–5 structure, in our own words. */
export const DEFAULT_RUBRIC = `You are grading how well an AI assistant answered a user's instruction. Build the score up point by point: start
at 0 and add one point for each criterion below that the response meets.

- Add 1 point if the response is on topic and offers at least some information related to the instruction, even if
  it is incomplete or includes some unrelated material.
- Add a 2nd point if the response covers a substantial part of what was asked, though it may leave parts out or not
  settle the request fully.
- Add a 3rd point if the response usefully answers the essential elements of the instruction, whatever its polish.
- Add a 4th point if the response is written clearly from an AI assistant's point of view, addresses the instruction
  directly and comprehensively, and is well organised, with at most slight room to be more focused or concise.
- Add a 5th point if the response is precisely tailored to the instruction, shows expert knowledge, is engaging and
  insightful, and carries nothing extraneous.

<instruction>
{{instruction}}
</instruction>

<response>
{{response}}
</response>

First write a short justification of at most 100 words saying which points the response earned. Then end with one
last line holding the total, in exactly this form:
Score: <total points>
`;
