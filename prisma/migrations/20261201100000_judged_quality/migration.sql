-- The judged dimension of an assessment (issue #16): a model's grade of the final output, kept
-- beside the five documented dimensions, never mixed into them. Null when no judge was asked.
ALTER TABLE "execution_assessments" ADD COLUMN "judged" JSONB;
