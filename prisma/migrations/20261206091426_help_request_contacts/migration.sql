-- CreateIndex
CREATE INDEX "help_requests_accepted_by_idx" ON "help_requests"("accepted_by");

-- CreateIndex
CREATE INDEX "help_requests_mentor_id_idx" ON "help_requests"("mentor_id");
