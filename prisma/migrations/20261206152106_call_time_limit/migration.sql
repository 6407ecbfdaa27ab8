-- AlterEnum
ALTER TYPE "CallEndReason" ADD VALUE 'time_limit';

-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "max_duration_s" INTEGER;
